// CRC-32C throughput in GB/s, the run-time chosen path and the portable one,
// over buffers of record-batch sizes. Prints figures; asserts nothing.
// `crc32c_bench --fixed N` checksums a 64 KiB buffer N times without timing,
// for instruction counts: valgrind --tool=callgrind
// --toggle-collect='kwire::protocol::records::crc32c(*' crc32c_bench --fixed 1000
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "kwire/protocol/records/crc32c.hpp"

using namespace kwire::protocol::records;

template <typename F>
double gbps(F&& f, std::size_t bytes) {
  using clock = std::chrono::steady_clock;
  std::size_t total = 0;
  volatile std::uint32_t sink = 0;
  auto start = clock::now();
  auto end = start + std::chrono::milliseconds(500);
  while (clock::now() < end) {
    for (int i = 0; i < 16; ++i) sink = sink + f();
    total += bytes * 16;
  }
  double secs = std::chrono::duration<double>(clock::now() - start).count();
  return static_cast<double>(total) / secs / 1e9;
}

int main(int argc, char** argv) {
  if (argc == 3 && !std::strcmp(argv[1], "--fixed")) {
    std::vector<std::uint8_t> buf(65536);
    for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<std::uint8_t>(i * 31 + 7);
    std::uint32_t acc = 0;
    for (int i = 0, n = std::atoi(argv[2]); i < n; ++i) acc ^= crc32c(buf, acc);
    std::printf("%08x\n", acc);
    return 0;
  }
  std::printf("crc32c implementation: %.*s\n", static_cast<int>(crc32c_implementation().size()),
              crc32c_implementation().data());
  for (std::size_t size : {std::size_t{256}, std::size_t{1024}, std::size_t{4096}, std::size_t{16384}, std::size_t{65536},
                           std::size_t{1 << 20}}) {
    std::vector<std::uint8_t> buf(size);
    for (std::size_t i = 0; i < size; ++i) buf[i] = static_cast<std::uint8_t>(i * 31 + 7);
    double hw = gbps([&] { return crc32c(buf); }, size);
    double sw = gbps([&] { return crc32c_portable(buf); }, size);
    std::printf("crc32c %8zu B: chosen %6.2f GB/s   portable %6.2f GB/s\n", size, hw, sw);
  }
}
