// Compress and decompress throughput (MB/s of uncompressed data) and ratio
// per codec at default levels, on record batches of JSON-like records at
// 16 KiB, 64 KiB (the producer's default batch.size) and 1 MiB. Prints
// figures; asserts nothing.
//
// `compression_bench --fixed N` instead compresses each batch N times per
// codec without timing, for instruction counts under callgrind, e.g.
//   valgrind --tool=callgrind --toggle-collect='kwire::compression::compress*'
//            compression_bench --fixed 200   (one command line)
// (instructions per byte = Ir / (N * bytes), one codec and size per run with
// --only lz4|zstd|gzip|snappy and --size BYTES).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kwire/compression/codec.hpp"
#include "kwire/protocol/records/batch_builder.hpp"

using namespace kwire::compression;
using kwire::protocol::as_bytes;

namespace {
// Records section of a batch of JSON-ish events: realistic redundancy.
std::vector<std::uint8_t> records_payload(std::size_t target) {
  std::mt19937 rng(42);
  const char* names[] = {"click", "view", "purchase", "login", "logout", "search"};
  kwire::protocol::records::BatchBuilder b({}, target, 1700000000000);
  for (int i = 0;; ++i) {
    std::string v = "{\"user\":" + std::to_string(rng() % 100000) + ",\"event\":\"" + names[rng() % 6] +
                    "\",\"ts\":" + std::to_string(1700000000000 + i) + ",\"session\":\"" +
                    std::to_string(rng()) + "\",\"value\":" + std::to_string(rng() % 1000) + "}";
    if (!b.append(1700000000000 + i, std::nullopt, as_bytes(v), {})) break;
  }
  auto batch = b.close();
  return {batch.begin() + kwire::protocol::records::batch_header_size, batch.end()};
}

template <typename F>
double mbps(F&& f, std::size_t bytes) {
  using clock = std::chrono::steady_clock;
  std::size_t total = 0;
  auto start = clock::now();
  auto end = start + std::chrono::milliseconds(700);
  while (clock::now() < end) {
    f();
    total += bytes;
  }
  return static_cast<double>(total) / std::chrono::duration<double>(clock::now() - start).count() / 1e6;
}

struct Options {
  int fixed = 0;  // 0: timed runs
  std::string only;
  std::size_t size = 0;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--fixed")) o.fixed = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--only")) o.only = argv[i + 1];
    else if (!std::strcmp(argv[i], "--size")) o.size = static_cast<std::size_t>(std::atoll(argv[i + 1]));
  }
  return o;
}
}  // namespace

int main(int argc, char** argv) {
  Options opt = parse(argc, argv);
  std::vector<std::size_t> sizes{16384, 65536, 1 << 20};
  if (opt.size) sizes = {opt.size};
  for (std::size_t size : sizes) {
    auto in = records_payload(size);
    for (Codec c : {Codec::gzip, Codec::snappy, Codec::lz4, Codec::zstd}) {
      if (!opt.only.empty() && codec_name(c) != opt.only) continue;
      // The producer reuses one output vector per thread: so does the bench.
      std::vector<std::uint8_t> packed, out;
      compress(c, default_level, in, packed);
      if (opt.fixed > 0) {
        for (int i = 0; i < opt.fixed; ++i) {
          packed.clear();
          compress(c, default_level, in, packed);
        }
        std::printf("%-6s %7zu B: %d compressions -> %zu B\n", std::string(codec_name(c)).c_str(), in.size(),
                    opt.fixed, packed.size());
        continue;
      }
      double comp = mbps([&] { packed.clear(); compress(c, default_level, in, packed); }, in.size());
      double dec = mbps([&] { out.clear(); decompress(c, packed, out, in.size()); }, in.size());
      std::printf("%-6s %7zu B: compress %7.1f MB/s  decompress %7.1f MB/s  ratio %.2f\n",
                  std::string(codec_name(c)).c_str(), in.size(), comp, dec,
                  static_cast<double>(in.size()) / static_cast<double>(packed.size()));
    }
  }
}
