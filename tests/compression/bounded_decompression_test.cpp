// Decompression never writes past the caller's cap: a compression bomb (a
// tiny input that expands hugely) is an error, and corrupt or truncated input
// is a clear error for every codec.
#include <catch2/catch.hpp>

#include <random>

#include "kwire/compression/codec.hpp"
#include "kwire/compression/compression_error.hpp"

using namespace kwire::compression;

namespace {
const Codec kCodecs[] = {Codec::gzip, Codec::snappy, Codec::lz4, Codec::zstd};
}

TEST_CASE("a compression bomb is output_limit_exceeded, within the cap", "[compression][bomb]") {
  std::vector<std::uint8_t> zeros(8 * 1024 * 1024, 0);  // 8 MiB of zeros packs to a few KiB
  for (Codec c : kCodecs) {
    INFO(codec_name(c));
    std::vector<std::uint8_t> bomb;
    REQUIRE_FALSE(compress(c, default_level, zeros, bomb));
    CHECK(bomb.size() < zeros.size() / 20);
    std::vector<std::uint8_t> out{1, 2, 3};
    const std::size_t cap = 1024 * 1024;
    CHECK(decompress(c, bomb, out, cap) == compression_errc::output_limit_exceeded);
    CHECK(out.capacity() <= 3 + cap + 64 * 1024);  // never grown past the cap (plus slack in the first step)
    // Exactly at the size it fits.
    out.clear();
    CHECK_FALSE(decompress(c, bomb, out, zeros.size()));
    CHECK(out.size() == zeros.size());
    out.clear();
    CHECK(decompress(c, bomb, out, zeros.size() - 1) == compression_errc::output_limit_exceeded);
  }
  std::vector<std::uint8_t> out;
  CHECK(decompress(Codec::none, zeros, out, 100) == compression_errc::output_limit_exceeded);
}

TEST_CASE("truncated compressed data is an error for every codec", "[compression][corrupt]") {
  std::mt19937 rng(3);
  std::vector<std::uint8_t> in(50000);
  for (auto& b : in) b = static_cast<std::uint8_t>('a' + rng() % 8);
  for (Codec c : kCodecs) {
    INFO(codec_name(c));
    std::vector<std::uint8_t> packed;
    REQUIRE_FALSE(compress(c, default_level, in, packed));
    for (std::size_t cut : {std::size_t{0}, std::size_t{1}, packed.size() / 2, packed.size() - 1}) {
      INFO("cut at " << cut);
      std::vector<std::uint8_t> out;
      auto ec = decompress(c, Bytes(packed.data(), cut), out, in.size() * 2);
      CHECK(ec);
      CHECK(ec.category() == compression_category());
    }
  }
}

TEST_CASE("flipped bytes in compressed data never decode to the original silently", "[compression][corrupt]") {
  std::vector<std::uint8_t> in(20000);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<std::uint8_t>(i * 7 % 251);
  for (Codec c : kCodecs) {
    INFO(codec_name(c));
    std::vector<std::uint8_t> packed;
    REQUIRE_FALSE(compress(c, default_level, in, packed));
    // Garbage in the format's header is always detected.
    auto bad = packed;
    bad[1] ^= 0xFF;
    std::vector<std::uint8_t> out;
    CHECK(decompress(c, bad, out, in.size() * 2));
  }
  std::vector<std::uint8_t> out;
  const std::uint8_t junk[] = {0xde, 0xad, 0xbe, 0xef, 0x00, 0x11, 0x22, 0x33, 0x44};
  for (Codec c : kCodecs) CHECK(decompress(c, junk, out, 1 << 20));
}
