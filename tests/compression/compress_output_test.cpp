// The compressors write into a reused per-thread buffer and append only what
// they produce: the bytes must be exactly what the reference libraries write
// one-shot (liblz4's LZ4F_compressFrame with Java's frame settings, libzstd's
// ZSTD_compress at level 3, zlib's deflate, snappy-c), the caller's earlier
// bytes must survive, and a small batch after a large one (and the reverse)
// must not see stale or short buffers.
#include <catch2/catch.hpp>
#include <lz4frame.h>
#include <snappy-c.h>
#include <zstd.h>

#include <random>
#include <vector>

#include "kwire/compression/codec.hpp"

using namespace kwire::compression;

namespace {

std::vector<std::uint8_t> words(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint8_t> v(n);
  for (auto& b : v) b = static_cast<std::uint8_t>((rng() % 5 == 0) ? rng() : 'a' + rng() % 6);
  return v;
}

// liblz4's one-shot frame with the settings Java's client uses (64 KiB
// independent blocks, no checksums, no content size), default fast level.
std::vector<std::uint8_t> liblz4_frame(Bytes in) {
  LZ4F_preferences_t p{};
  p.frameInfo.blockSizeID = LZ4F_max64KB;
  p.frameInfo.blockMode = LZ4F_blockIndependent;
  std::vector<std::uint8_t> out(LZ4F_compressFrameBound(in.size(), &p));
  std::size_t n = LZ4F_compressFrame(out.data(), out.size(), in.data(), in.size(), &p);
  REQUIRE(!LZ4F_isError(n));
  out.resize(n);
  return out;
}

std::vector<std::uint8_t> libzstd_frame(Bytes in) {
  std::vector<std::uint8_t> out(ZSTD_compressBound(in.size()));
  std::size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3);
  REQUIRE(!ZSTD_isError(n));
  out.resize(n);
  return out;
}

std::vector<std::uint8_t> tail_after(const std::vector<std::uint8_t>& v, std::size_t from) {
  return {v.begin() + static_cast<std::ptrdiff_t>(from), v.end()};
}

}  // namespace

TEST_CASE("lz4 and zstd output equals the reference libraries' one-shot frames", "[compression][lz4][zstd]") {
  // Sizes around the 64 KiB lz4 block boundary, and a multi-block batch.
  for (std::size_t n : {0u, 1u, 1000u, 65535u, 65536u, 65537u, 300000u}) {
    INFO("size " << n);
    auto in = words(n, static_cast<unsigned>(n));
    std::vector<std::uint8_t> out;
    REQUIRE(!compress(Codec::lz4, default_level, in, out));
    CHECK(out == liblz4_frame(in));
    out.clear();
    REQUIRE(!compress(Codec::zstd, default_level, in, out));
    CHECK(out == libzstd_frame(in));
  }
}

TEST_CASE("compress appends after the caller's bytes and survives large/small alternation", "[compression]") {
  const std::vector<std::uint8_t> prefix{0xDE, 0xAD, 0xBE, 0xEF};
  for (Codec c : {Codec::gzip, Codec::snappy, Codec::lz4, Codec::zstd}) {
    INFO("codec " << codec_name(c));
    // 2 MiB grows the per-thread buffer, then small ones reuse it, then large again.
    for (std::size_t n : {std::size_t{2} << 20, std::size_t{10}, std::size_t{70000}, std::size_t{0},
                          std::size_t{3} << 20}) {
      INFO("size " << n);
      auto in = words(n, 99);
      std::vector<std::uint8_t> out = prefix;
      REQUIRE(!compress(c, default_level, in, out));
      REQUIRE(out.size() > prefix.size());
      CHECK(std::equal(prefix.begin(), prefix.end(), out.begin()));
      std::vector<std::uint8_t> back;
      REQUIRE(!decompress(c, tail_after(out, prefix.size()), back, n));
      CHECK(back == in);
      if (c == Codec::snappy && n > 0) {
        // The first xerial block decodes with snappy-c itself.
        auto packed = tail_after(out, prefix.size() + 16);
        std::size_t clen = (std::size_t{packed[0]} << 24) | (std::size_t{packed[1]} << 16) |
                           (std::size_t{packed[2]} << 8) | packed[3];
        std::vector<std::uint8_t> raw(std::min<std::size_t>(n, 32 * 1024));
        std::size_t got = raw.size();
        REQUIRE(snappy_uncompress(reinterpret_cast<const char*>(packed.data() + 4), clen,
                                  reinterpret_cast<char*>(raw.data()), &got) == SNAPPY_OK);
        CHECK(std::equal(raw.begin(), raw.begin() + static_cast<std::ptrdiff_t>(got), in.begin()));
      }
    }
  }
}
