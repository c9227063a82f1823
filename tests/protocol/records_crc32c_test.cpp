// CRC-32C against the standard check values (the "123456789" check value and
// the iSCSI test vectors of RFC 3720 B.4), on the chosen and portable paths.
#include <catch2/catch.hpp>

#include <numeric>
#include <random>
#include <string_view>
#include <vector>

#include "kwire/protocol/records/crc32c.hpp"

using kwire::protocol::Bytes;
using kwire::protocol::as_bytes;
using namespace kwire::protocol::records;

TEST_CASE("crc32c matches the standard check values", "[records][crc32c]") {
  for (auto fn : {&crc32c, &crc32c_portable}) {
    CHECK(fn(as_bytes("123456789"), 0) == 0xE3069283u);
    CHECK(fn(Bytes{}, 0) == 0u);
    std::vector<std::uint8_t> v(32, 0);
    CHECK(fn(v, 0) == 0x8A9136AAu);
    std::fill(v.begin(), v.end(), 0xFF);
    CHECK(fn(v, 0) == 0x62A8AB43u);
    std::iota(v.begin(), v.end(), 0);
    CHECK(fn(v, 0) == 0x46DD794Eu);
    for (int i = 0; i < 32; ++i) v[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(31 - i);
    CHECK(fn(v, 0) == 0x113FDB5Cu);
  }
}

TEST_CASE("crc32c chains and agrees with the portable path at every length and alignment", "[records][crc32c]") {
  INFO("implementation: " << crc32c_implementation());
  std::mt19937 rng(1);
  std::vector<std::uint8_t> data(4096 + 16);
  for (auto& b : data) b = static_cast<std::uint8_t>(rng());
  for (std::size_t off = 0; off < 8; ++off)
    for (std::size_t len : {0u, 1u, 7u, 8u, 9u, 63u, 64u, 1000u, 4096u}) {
      Bytes b(data.data() + off, len);
      CHECK(crc32c(b) == crc32c_portable(b));
    }
  Bytes all(data);
  for (std::size_t split : {0u, 1u, 13u, 2048u}) {
    CHECK(crc32c(all.subspan(split), crc32c(all.first(split))) == crc32c(all));
  }
}
