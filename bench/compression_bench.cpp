// Compress and decompress throughput (MB/s of uncompressed data) and ratio
// per codec at default levels, on record batches of JSON-like records at
// 16 KiB and 1 MiB. Prints figures; asserts nothing.
#include <chrono>
#include <cstdio>
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
}  // namespace

int main() {
  for (std::size_t size : {std::size_t{16384}, std::size_t{1 << 20}}) {
    auto in = records_payload(size);
    for (Codec c : {Codec::gzip, Codec::snappy, Codec::lz4, Codec::zstd}) {
      std::vector<std::uint8_t> packed, out;
      compress(c, default_level, in, packed);
      double comp = mbps([&] { packed.clear(); compress(c, default_level, in, packed); }, in.size());
      double dec = mbps([&] { out.clear(); decompress(c, packed, out, in.size()); }, in.size());
      std::printf("%-6s %7zu B: compress %7.1f MB/s  decompress %7.1f MB/s  ratio %.2f\n",
                  std::string(codec_name(c)).c_str(), in.size(), comp, dec,
                  static_cast<double>(in.size()) / static_cast<double>(packed.size()));
    }
  }
}
