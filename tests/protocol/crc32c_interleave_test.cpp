// The run-time chosen CRC-32C (on x86-64 three interleaved crc32 chains
// combined by GF(2) shifts) against the portable table code, against the
// RFC 3720 B.4 vectors, and against kafka-python's own pure-Python CRC-32C
// (a peer we did not write) at lengths around every lane boundary.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "kwire/protocol/records/crc32c.hpp"

using kwire::protocol::Bytes;
using namespace kwire::protocol::records;

namespace {

// Interleaved rounds cover 3 lanes of 4096, 512 or 64 bytes: lengths on and
// around each round size, and mixes of all three.
const std::vector<std::size_t> kBoundaryLengths = {0,    1,    7,    8,     63,    64,    191,   192,   193,
                                                   200,  383,  384,  385,   1535,  1536,  1537,  1727,  1728,
                                                   4096, 12287, 12288, 12289, 13824, 14015, 40000, 65535, 65536};

std::vector<std::uint8_t> random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint8_t> v(n);
  for (auto& b : v) b = static_cast<std::uint8_t>(rng());
  return v;
}

// CRC-32C of data[0..len) for each len, by kafka-python's kafka.record._crc32c.
std::vector<std::uint32_t> kafka_python_crcs(const std::vector<std::uint8_t>& data,
                                             const std::vector<std::size_t>& lengths) {
  std::string in_path = "/tmp/kwire_crc32c_in_" + std::to_string(::getpid());
  std::FILE* f = std::fopen(in_path.c_str(), "wb");
  REQUIRE(f);
  std::fwrite(data.data(), 1, data.size(), f);
  std::fclose(f);
  std::string lens;
  for (auto n : lengths) lens += std::to_string(n) + ",";
  std::string cmd =
      "/usr/bin/python3 -c 'import sys; from kafka.record._crc32c import crc; d = open(sys.argv[1], \"rb\").read()\n"
      "for n in sys.argv[2].split(\",\")[:-1]: print(crc(d[:int(n)]))' " +
      in_path + " " + lens;
  std::FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p);
  std::vector<std::uint32_t> out;
  char line[64];
  while (std::fgets(line, sizeof line, p)) out.push_back(static_cast<std::uint32_t>(std::stoull(line)));
  ::pclose(p);
  std::remove(in_path.c_str());
  return out;
}

}  // namespace

TEST_CASE("crc32c fast path: RFC 3720 B.4 vectors at every alignment", "[records][crc32c]") {
  INFO("implementation: " << crc32c_implementation());
  // The iSCSI SCSI Read (10) command PDU of RFC 3720 B.4, and the 32-byte vectors.
  const std::vector<std::uint8_t> pdu = {0x01, 0xc0, 0, 0, 0, 0, 0,    0, 0,    0, 0, 0, 0, 0, 0, 0,
                                         0x14, 0,    0, 0, 0, 0, 0x04, 0, 0,    0, 0, 0x14, 0, 0, 0, 0x18,
                                         0x28, 0,    0, 0, 0, 0, 0,    0, 0x02, 0, 0, 0,    0, 0, 0, 0};
  std::vector<std::uint8_t> inc(32), dec(32);
  for (int i = 0; i < 32; ++i) {
    inc[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i);
    dec[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(31 - i);
  }
  const std::vector<std::pair<std::vector<std::uint8_t>, std::uint32_t>> vectors = {
      {std::vector<std::uint8_t>(32, 0x00), 0x8A9136AAu},
      {std::vector<std::uint8_t>(32, 0xFF), 0x62A8AB43u},
      {inc, 0x46DD794Eu},
      {dec, 0x113FDB5Cu},
      {pdu, 0xD9963A56u}};
  std::vector<std::uint8_t> shifted(64 + 48);
  for (const auto& [bytes, want] : vectors)
    for (std::size_t off = 0; off < 64; ++off) {
      std::copy(bytes.begin(), bytes.end(), shifted.begin() + static_cast<std::ptrdiff_t>(off));
      Bytes b(shifted.data() + off, bytes.size());
      CHECK(crc32c(b) == want);
      CHECK(crc32c_portable(b) == want);
    }
}

TEST_CASE("crc32c fast path equals the portable path on random lengths and alignments up to 64 KiB",
          "[records][crc32c]") {
  INFO("implementation: " << crc32c_implementation());
  auto data = random_bytes(65536 + 64, 11);
  std::mt19937 rng(5);
  for (std::size_t len : kBoundaryLengths)
    for (std::size_t off : {0u, 1u, 3u, 8u, 13u, 63u}) {
      Bytes b(data.data() + off, len);
      CHECK(crc32c(b) == crc32c_portable(b));
    }
  for (std::size_t len = 0; len <= 2048; ++len) {  // every length through two 512-lane rounds
    Bytes b(data.data() + len % 64, len);
    REQUIRE(crc32c(b) == crc32c_portable(b));
  }
  for (int i = 0; i < 400; ++i) {
    std::size_t off = rng() % 64, len = rng() % 65537;
    auto init = static_cast<std::uint32_t>(rng());
    Bytes b(data.data() + off, len);
    INFO("offset " << off << " length " << len);
    REQUIRE(crc32c(b, init) == crc32c_portable(b, init));
  }
}

TEST_CASE("crc32c equals kafka-python's CRC-32C around every lane boundary", "[records][crc32c]") {
  auto data = random_bytes(65536, 23);
  auto theirs = kafka_python_crcs(data, kBoundaryLengths);
  REQUIRE(theirs.size() == kBoundaryLengths.size());
  for (std::size_t i = 0; i < kBoundaryLengths.size(); ++i) {
    INFO("length " << kBoundaryLengths[i]);
    Bytes b(data.data(), kBoundaryLengths[i]);
    CHECK(crc32c(b) == theirs[i]);
    CHECK(crc32c_portable(b) == theirs[i]);
  }
}
