// Each codec against its reference library: what we compress the library
// decodes, what the library compresses (in its other modes too) we decode,
// and decompression is capped.
#include <catch2/catch.hpp>
#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <random>

#include "kwire/compression/codec.hpp"
#include "kwire/compression/compression_error.hpp"

using namespace kwire::compression;

namespace {

std::vector<std::uint8_t> sample(std::size_t n, unsigned seed = 7) {
  // Compressible but not trivial: words from a small alphabet with noise.
  std::mt19937 rng(seed);
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>((rng() % 4 == 0) ? rng() : 'a' + (i % 13));
  return v;
}

std::vector<std::uint8_t> zlib_gunzip(Bytes in, std::size_t expect) {
  z_stream zs{};
  REQUIRE(inflateInit2(&zs, 15 + 16) == Z_OK);
  std::vector<std::uint8_t> out(expect + 1);
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  REQUIRE(inflate(&zs, Z_FINISH) == Z_STREAM_END);
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}

std::vector<std::uint8_t> lz4f_decode(Bytes in, std::size_t expect) {
  LZ4F_dctx* d = nullptr;
  REQUIRE(!LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)));
  std::vector<std::uint8_t> out(expect + 16);
  std::size_t dst = out.size(), src = in.size();
  std::size_t r = LZ4F_decompress(d, out.data(), &dst, in.data(), &src, nullptr);
  LZ4F_freeDecompressionContext(d);
  REQUIRE(r == 0);  // frame complete
  out.resize(dst);
  return out;
}

std::vector<std::uint8_t> lz4f_encode(Bytes in, LZ4F_blockMode_t mode, bool content_sum, bool block_sum) {
  LZ4F_preferences_t p{};
  p.frameInfo.blockSizeID = LZ4F_max64KB;
  p.frameInfo.blockMode = mode;
  p.frameInfo.contentChecksumFlag = content_sum ? LZ4F_contentChecksumEnabled : LZ4F_noContentChecksum;
  p.frameInfo.blockChecksumFlag = block_sum ? LZ4F_blockChecksumEnabled : LZ4F_noBlockChecksum;
  p.frameInfo.contentSize = in.size();
  std::vector<std::uint8_t> out(LZ4F_compressFrameBound(in.size(), &p));
  std::size_t n = LZ4F_compressFrame(out.data(), out.size(), in.data(), in.size(), &p);
  REQUIRE(!LZ4F_isError(n));
  out.resize(n);
  return out;
}

}  // namespace

TEST_CASE("codec names parse as Java spells them", "[compression]") {
  CHECK(parse_codec("none") == Codec::none);
  CHECK(parse_codec("gzip") == Codec::gzip);
  CHECK(parse_codec("snappy") == Codec::snappy);
  CHECK(parse_codec("lz4") == Codec::lz4);
  CHECK(parse_codec("zstd") == Codec::zstd);
  CHECK_FALSE(parse_codec("LZ4").has_value());
  CHECK_FALSE(parse_codec("brotli").has_value());
  CHECK(static_cast<int>(Codec::zstd) == 4);
  CHECK(codec_from_attributes(0x13) == Codec::lz4);
  CHECK_FALSE(codec_from_attributes(0x05).has_value());
}

TEST_CASE("gzip output is a gzip member zlib decodes, and zlib's gzip decodes", "[compression][gzip]") {
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{1000}, std::size_t{300000}}) {
    auto in = sample(n);
    std::vector<std::uint8_t> packed;
    REQUIRE_FALSE(compress(Codec::gzip, 6, in, packed));
    REQUIRE(packed.size() >= 18);
    CHECK(packed[0] == 0x1f);
    CHECK(packed[1] == 0x8b);
    CHECK(zlib_gunzip(packed, n) == in);
    std::vector<std::uint8_t> back{0xAA};  // decompress appends
    REQUIRE_FALSE(decompress(Codec::gzip, packed, back, n));
    REQUIRE(back.size() == n + 1);
    CHECK(std::equal(in.begin(), in.end(), back.begin() + 1));
  }
}

TEST_CASE("snappy writes xerial framing and reads raw and xerial", "[compression][snappy]") {
  auto in = sample(100000);
  std::vector<std::uint8_t> packed;
  REQUIRE_FALSE(compress(Codec::snappy, default_level, in, packed));
  const std::uint8_t magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
  REQUIRE(packed.size() > 16);
  CHECK(std::memcmp(packed.data(), magic, 8) == 0);
  // Decode the xerial blocks by hand with libsnappy: 32 KiB blocks, BE lengths.
  std::vector<std::uint8_t> manual;
  std::size_t blocks = 0;
  for (std::size_t at = 16; at < packed.size();) {
    std::uint32_t len = (std::uint32_t{packed[at]} << 24) | (std::uint32_t{packed[at + 1]} << 16) |
                        (std::uint32_t{packed[at + 2]} << 8) | packed[at + 3];
    at += 4;
    std::size_t ulen = 0;
    REQUIRE(snappy_uncompressed_length(reinterpret_cast<const char*>(&packed[at]), len, &ulen) == SNAPPY_OK);
    CHECK(ulen <= 32 * 1024);
    std::size_t base = manual.size();
    manual.resize(base + ulen);
    REQUIRE(snappy_uncompress(reinterpret_cast<const char*>(&packed[at]), len,
                              reinterpret_cast<char*>(manual.data() + base), &ulen) == SNAPPY_OK);
    at += len;
    ++blocks;
  }
  CHECK(blocks == 4);
  CHECK(manual == in);

  std::vector<std::uint8_t> raw(snappy_max_compressed_length(in.size()));
  std::size_t raw_len = raw.size();
  REQUIRE(snappy_compress(reinterpret_cast<const char*>(in.data()), in.size(), reinterpret_cast<char*>(raw.data()),
                          &raw_len) == SNAPPY_OK);
  raw.resize(raw_len);
  std::vector<std::uint8_t> back;
  REQUIRE_FALSE(decompress(Codec::snappy, raw, back, in.size()));
  CHECK(back == in);
  back.clear();
  REQUIRE_FALSE(decompress(Codec::snappy, packed, back, in.size()));
  CHECK(back == in);
}

TEST_CASE("lz4 writes a 64 KiB independent-block frame liblz4 decodes", "[compression][lz4]") {
  auto in = sample(200000);
  for (int level : {1, 9, 17}) {
    std::vector<std::uint8_t> packed;
    REQUIRE_FALSE(compress(Codec::lz4, level, in, packed));
    REQUIRE(packed.size() > 7);
    CHECK(packed[0] == 0x04);
    CHECK(packed[3] == 0x18);
    CHECK((packed[4] & 0x20) != 0);     // independent blocks
    CHECK(((packed[5] >> 4) & 7) == 4);  // 64 KiB
    CHECK(lz4f_decode(packed, in.size()) == in);
  }
}

TEST_CASE("lz4 reads frames in every mode liblz4 writes", "[compression][lz4]") {
  auto in = sample(300000, 11);
  for (auto mode : {LZ4F_blockIndependent, LZ4F_blockLinked})
    for (bool content : {false, true})
      for (bool block : {false, true}) {
        auto packed = lz4f_encode(in, mode, content, block);
        std::vector<std::uint8_t> back;
        REQUIRE_FALSE(decompress(Codec::lz4, packed, back, in.size()));
        CHECK(back == in);
      }
}

TEST_CASE("lz4 legacy reader accepts the old wrong header checksum, strict reader does not", "[compression][lz4]") {
  auto in = sample(5000);
  // Without content size the descriptor is FLG, BD, HC at bytes 4..6. Old
  // Kafka hashed bytes 0..5 (the magic too), so exactly one other HC value
  // must be accepted by the legacy reader: try all 256.
  LZ4F_preferences_t p{};
  p.frameInfo.blockSizeID = LZ4F_max64KB;
  p.frameInfo.blockMode = LZ4F_blockIndependent;
  std::vector<std::uint8_t> frame(LZ4F_compressFrameBound(in.size(), &p));
  frame.resize(LZ4F_compressFrame(frame.data(), frame.size(), in.data(), in.size(), &p));
  REQUIRE(frame.size() > 7);
  std::uint8_t good_hc = frame[6];
  int strict_ok = 0, legacy_ok = 0;
  for (int hc = 0; hc < 256; ++hc) {
    frame[6] = static_cast<std::uint8_t>(hc);
    std::vector<std::uint8_t> a, b;
    if (!decompress(Codec::lz4, frame, a, in.size())) ++strict_ok;
    if (!decompress_lz4_legacy(frame, b, in.size())) {
      ++legacy_ok;
      CHECK(b == in);
    }
  }
  frame[6] = good_hc;
  CHECK(strict_ok == 1);  // only the correct checksum
  CHECK(legacy_ok == 2);  // the correct one and the old Kafka one
}

TEST_CASE("zstd round trip through libzstd both ways", "[compression][zstd]") {
  auto in = sample(250000);
  std::vector<std::uint8_t> packed;
  REQUIRE_FALSE(compress(Codec::zstd, 3, in, packed));
  std::vector<std::uint8_t> check(in.size());
  CHECK(ZSTD_decompress(check.data(), check.size(), packed.data(), packed.size()) == in.size());
  CHECK(check == in);
  std::vector<std::uint8_t> theirs(ZSTD_compressBound(in.size()));
  theirs.resize(ZSTD_compress(theirs.data(), theirs.size(), in.data(), in.size(), 19));
  std::vector<std::uint8_t> back;
  REQUIRE_FALSE(decompress(Codec::zstd, theirs, back, in.size()));
  CHECK(back == in);
}

TEST_CASE("levels are validated per codec as Java does", "[compression]") {
  std::vector<std::uint8_t> in(100, 'x'), out;
  CHECK(compress(Codec::gzip, 10, in, out) == compression_errc::invalid_level);
  CHECK(compress(Codec::lz4, 0, in, out) == compression_errc::invalid_level);
  CHECK(compress(Codec::lz4, 18, in, out) == compression_errc::invalid_level);
  CHECK(compress(Codec::zstd, 23, in, out) == compression_errc::invalid_level);
  CHECK_FALSE(compress(Codec::gzip, -1, in, out));
  CHECK_FALSE(compress(Codec::zstd, -5, in, out));
  CHECK_FALSE(compress(Codec::snappy, 42, in, out));
}

TEST_CASE("higher levels compress better for each codec with levels", "[compression]") {
  auto in = sample(200000);
  for (auto [codec, lo, hi] : {std::tuple{Codec::gzip, 1, 9}, std::tuple{Codec::lz4, 1, 12},
                               std::tuple{Codec::zstd, 1, 19}}) {
    std::vector<std::uint8_t> small, big;
    REQUIRE_FALSE(compress(codec, lo, in, big));
    REQUIRE_FALSE(compress(codec, hi, in, small));
    CHECK(small.size() < big.size());
  }
}
