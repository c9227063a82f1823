// Corrupted record batches give a clear error each time: flipped bits,
// truncation, wrong lengths and counts, bad varints, unknown codecs, corrupt
// compressed payloads and decompression bombs. Structural damage is tested
// with the CRC recomputed, so the parser's own checks are what fires.
#include <catch2/catch.hpp>

#include <string>

#include "kwire/protocol/records/batch_builder.hpp"
#include "kwire/protocol/records/batch_reader.hpp"
#include "kwire/protocol/records/records_error.hpp"

using kwire::protocol::Bytes;
using kwire::protocol::as_bytes;
using namespace kwire::protocol::records;

namespace {

std::vector<std::uint8_t> small_batch(Codec codec = Codec::none) {
  BatchBuilder b({}, 1 << 20, 1000);
  Header hs[] = {{"h", as_bytes("v")}};
  REQUIRE(b.append(1000, as_bytes("key"), as_bytes("value"), hs));
  REQUIRE(b.append(1001, std::nullopt, as_bytes("second"), {}));
  REQUIRE_FALSE(b.close(codec, kwire::compression::default_level).empty());
  return b.take_buffer();
}

// Reads everything; returns the first error (or none).
std::error_code read_all(Bytes blob, BatchReaderOptions opts = {}) {
  BatchReader r(blob, opts);
  while (r.next_batch()) {
    RecordView rec;
    while (r.next_record(rec)) {
    }
  }
  return r.error();
}

void put_be32(std::vector<std::uint8_t>& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}

}  // namespace

TEST_CASE("every single-bit flip in the checked range is detected", "[records][corrupt]") {
  for (Codec c : {Codec::none, Codec::lz4}) {
    auto good = small_batch(c);
    REQUIRE_FALSE(read_all(good));
    BatchReaderOptions strict;
    strict.allow_partial_tail = false;
    for (std::size_t byte = batch_offsets::batch_length; byte < good.size(); ++byte) {
      if (byte >= batch_offsets::partition_leader_epoch && byte < batch_offsets::magic) continue;  // not checked by design
      for (int bit = 0; bit < 8; ++bit) {
        auto bad = good;
        bad[byte] ^= static_cast<std::uint8_t>(1 << bit);
        INFO("byte " << byte << " bit " << bit);
        CHECK(read_all(bad, strict));
      }
    }
  }
}

TEST_CASE("truncation is a partial tail in fetch mode and an error in strict mode", "[records][corrupt]") {
  auto good = small_batch();
  BatchReaderOptions strict;
  strict.allow_partial_tail = false;
  for (std::size_t cut = 1; cut < good.size(); ++cut) {
    Bytes part(good.data(), cut);
    INFO("cut at " << cut);
    CHECK(read_all(part, strict) == records_errc::truncated_batch);
    BatchReader r(part);
    CHECK_FALSE(r.next_batch());
    CHECK(r.partial_tail());
    CHECK_FALSE(r.error());
  }
}

TEST_CASE("wrong counts and lengths behind a valid CRC", "[records][corrupt]") {
  auto good = small_batch();
  const std::size_t rec0 = batch_header_size;  // first record's length varint

  SECTION("more records announced than present") {
    auto bad = good;
    put_be32(bad, batch_offsets::record_count, 3);
    update_crc(bad);
    CHECK(read_all(bad) == records_errc::record_count_mismatch);
  }
  SECTION("fewer records announced than present") {
    auto bad = good;
    put_be32(bad, batch_offsets::record_count, 1);
    update_crc(bad);
    CHECK(read_all(bad) == records_errc::record_count_mismatch);
  }
  SECTION("negative record count") {
    auto bad = good;
    put_be32(bad, batch_offsets::record_count, 0xFFFFFFFF);
    update_crc(bad);
    CHECK(read_all(bad) == records_errc::invalid_record_count);
  }
  SECTION("record length past the batch") {
    auto bad = good;
    bad[rec0] = 0x7e;  // 63
    update_crc(bad);
    CHECK(read_all(bad) == records_errc::invalid_record_length);
  }
  SECTION("record length shorter than its fields") {
    auto bad = good;
    bad[rec0] = static_cast<std::uint8_t>(bad[rec0] - 2);  // one byte less
    update_crc(bad);
    auto ec = read_all(bad);
    CHECK(ec);
    CHECK(ec.category() == records_category());
  }
  SECTION("key length past the record") {
    auto bad = good;
    bad[rec0 + 4] = 0x40;  // key length 32 instead of 3
    update_crc(bad);
    CHECK(read_all(bad) == records_errc::invalid_field_length);
  }
  SECTION("key length below -1") {
    auto bad = good;
    bad[rec0 + 4] = 0x03;  // zig-zag -2
    update_crc(bad);
    CHECK(read_all(bad) == records_errc::invalid_field_length);
  }
  SECTION("overlong varint") {
    auto bad = good;
    for (std::size_t i = 0; i < 6; ++i) bad[rec0 + i] = 0xFF;
    update_crc(bad);
    CHECK(read_all(bad) == records_errc::invalid_varint);
  }
  SECTION("batch length below the header") {
    auto bad = good;
    put_be32(bad, batch_offsets::batch_length, 20);
    CHECK(read_all(bad) == records_errc::batch_too_short);
  }
  SECTION("unknown codec") {
    auto bad = good;
    bad[batch_offsets::attributes + 1] |= 0x07;
    update_crc(bad);
    CHECK(read_all(bad) == records_errc::unsupported_codec);
  }
  SECTION("unknown magic") {
    auto bad = good;
    bad[batch_offsets::magic] = 3;
    CHECK(read_all(bad) == records_errc::unsupported_magic);
  }
  SECTION("flipped CRC") {
    auto bad = good;
    bad[batch_offsets::crc] ^= 0x80;
    CHECK(read_all(bad) == records_errc::crc_mismatch);
  }
}

TEST_CASE("corrupt compressed payloads and decompression bombs", "[records][corrupt][bomb]") {
  for (Codec c : {Codec::gzip, Codec::snappy, Codec::lz4, Codec::zstd}) {
    INFO(kwire::compression::codec_name(c));
    auto bad = small_batch(c);
    bad[batch_header_size + 1] ^= 0xFF;  // inside the codec's own header
    update_crc(bad);
    CHECK(read_all(bad) == records_errc::decompression_failed);

    BatchBuilder b({}, 64 << 20, 0);
    std::vector<std::uint8_t> zeros(4 << 20, 0);
    REQUIRE(b.append(0, std::nullopt, Bytes(zeros), {}));
    auto bomb = b.close(c, kwire::compression::default_level);
    REQUIRE_FALSE(bomb.empty());
    CHECK(bomb.size() < zeros.size() / 10);
    BatchReaderOptions capped;
    capped.max_decompressed_bytes = 1 << 20;
    CHECK(read_all(bomb, capped) == records_errc::decompressed_too_large);
    CHECK_FALSE(read_all(bomb));  // under the default cap it is fine
  }
}

TEST_CASE("error messages say what is wrong", "[records][corrupt]") {
  std::error_code ec = records_errc::crc_mismatch;
  CHECK(ec.message().find("CRC") != std::string::npos);
  ec = records_errc::decompressed_too_large;
  CHECK(ec.message().find("limit") != std::string::npos);
}
