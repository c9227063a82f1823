// Legacy message sets (magic 0 and 1): message sets written by kafka-python
// (records_legacy_fixtures.hpp), plain and gzip-wrapped, and wrapper messages
// around the same inner set compressed with libsnappy and liblz4, all read
// by our BatchReader. The mock cluster cannot serve these (it stores only
// magic 2 batches), so the peer's bytes are fixtures.
#include <catch2/catch.hpp>
#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>

#include <string>
#include <vector>

#include "kwire/protocol/records/batch_reader.hpp"
#include "kwire/protocol/records/records_error.hpp"
#include "records_legacy_fixtures.hpp"

using kwire::protocol::Bytes;
using kwire::protocol::as_string;
using namespace kwire::protocol::records;

namespace {

void put_be(std::vector<std::uint8_t>& v, std::uint64_t x, int n) {
  for (int i = n - 1; i >= 0; --i) v.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
}

// A magic-1 wrapper message (protocol.html's Message format) around `payload`.
std::vector<std::uint8_t> wrap_v1(std::int64_t offset, std::int8_t codec, Bytes payload, std::int64_t timestamp) {
  std::vector<std::uint8_t> body;
  body.push_back(1);  // magic
  body.push_back(static_cast<std::uint8_t>(codec));
  put_be(body, static_cast<std::uint64_t>(timestamp), 8);
  put_be(body, 0xFFFFFFFFu, 4);  // null key
  put_be(body, payload.size(), 4);
  body.insert(body.end(), payload.begin(), payload.end());
  std::uint32_t crc = static_cast<std::uint32_t>(crc32(0L, body.data(), static_cast<uInt>(body.size())));
  std::vector<std::uint8_t> msg;
  put_be(msg, static_cast<std::uint64_t>(offset), 8);
  put_be(msg, body.size() + 4, 4);
  put_be(msg, crc, 4);
  msg.insert(msg.end(), body.begin(), body.end());
  return msg;
}

void expect_five(Bytes blob, std::int64_t first_offset, int magic, std::size_t expect_batches) {
  BatchReader r(blob);
  int i = 0;
  std::size_t batches = 0;
  while (r.next_batch()) {
    ++batches;
    CHECK(r.batch().magic == magic);
    RecordView rec;
    while (r.next_record(rec)) {
      INFO("message " << i);
      CHECK(rec.offset == first_offset + i);
      CHECK(rec.timestamp == (magic == 1 ? 1500000000000 + 10 * i : -1));
      CHECK(rec.key.has_value() == (i % 2 == 1));
      if (rec.key) CHECK(as_string(*rec.key) == "k" + std::to_string(i));
      CHECK(rec.value.has_value() == (i != 3));
      std::string want;
      for (int j = 0; j <= i; ++j) want += "value-" + std::to_string(i);
      if (rec.value) CHECK(as_string(*rec.value) == want);
      CHECK(rec.headers.empty());
      ++i;
    }
  }
  INFO(r.error().message());
  CHECK_FALSE(r.error());
  CHECK(i == 5);
  CHECK(batches == expect_batches);
}

}  // namespace

TEST_CASE("kafka-python's uncompressed magic 0 and 1 message sets", "[records][legacy]") {
  expect_five(legacy_fixtures::magic0_plain, 0, 0, 5);
  expect_five(legacy_fixtures::magic1_plain, 0, 1, 5);
}

TEST_CASE("kafka-python's gzip wrapper messages", "[records][legacy]") {
  // magic 0: inner offsets are absolute.
  expect_five(legacy_fixtures::magic0_gzip, 0, 0, 1);
  // magic 1: inner offsets are relative; a broker sets the wrapper's offset to
  // the last inner message's absolute offset. Simulate offsets 100..104.
  std::vector<std::uint8_t> v1(std::begin(legacy_fixtures::magic1_gzip), std::end(legacy_fixtures::magic1_gzip));
  for (int i = 0; i < 8; ++i) v1[static_cast<std::size_t>(i)] = 0;
  v1[7] = 104;
  expect_five(v1, 100, 1, 1);
  BatchReader r(v1);
  REQUIRE(r.next_batch());
  CHECK(r.batch().codec == Codec::gzip);
  CHECK(r.batch().base_offset == 100);
  CHECK(r.batch().next_offset() == 105);
}

TEST_CASE("snappy (raw and xerial) and lz4 wrapper messages", "[records][legacy]") {
  Bytes inner(legacy_fixtures::magic1_plain);
  // Raw snappy, as librdkafka writes.
  std::vector<std::uint8_t> raw(snappy_max_compressed_length(inner.size()));
  std::size_t n = raw.size();
  REQUIRE(snappy_compress(reinterpret_cast<const char*>(inner.data()), inner.size(), reinterpret_cast<char*>(raw.data()),
                          &n) == SNAPPY_OK);
  raw.resize(n);
  expect_five(wrap_v1(4, 2, raw, 0), 0, 1, 1);
  // Xerial framing, as the Java client writes: header, then one length-prefixed block.
  std::vector<std::uint8_t> xerial = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1};
  put_be(xerial, raw.size(), 4);
  xerial.insert(xerial.end(), raw.begin(), raw.end());
  expect_five(wrap_v1(4, 2, xerial, 0), 0, 1, 1);
  // LZ4 frame.
  std::vector<std::uint8_t> lz(LZ4F_compressFrameBound(inner.size(), nullptr));
  lz.resize(LZ4F_compressFrame(lz.data(), lz.size(), inner.data(), inner.size(), nullptr));
  expect_five(wrap_v1(4, 3, lz, 0), 0, 1, 1);
}

TEST_CASE("legacy corruption is reported", "[records][legacy][corrupt]") {
  std::vector<std::uint8_t> bad(std::begin(legacy_fixtures::magic1_plain), std::end(legacy_fixtures::magic1_plain));
  bad[30] ^= 0x01;  // inside the first message's payload
  BatchReader r(bad);
  CHECK_FALSE(r.next_batch());
  CHECK(r.error() == records_errc::crc_mismatch);

  // A compressed message inside a compressed message is not allowed.
  auto inner = wrap_v1(0, 1, Bytes(legacy_fixtures::magic1_gzip).subspan(34), 0);
  std::vector<std::uint8_t> gz(inner.size() + 64);
  z_stream zs{};
  REQUIRE(deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  zs.next_in = inner.data();
  zs.avail_in = static_cast<uInt>(inner.size());
  zs.next_out = gz.data();
  zs.avail_out = static_cast<uInt>(gz.size());
  REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
  gz.resize(zs.total_out);
  deflateEnd(&zs);
  auto nested = wrap_v1(0, 1, gz, 0);
  BatchReader n(nested);
  CHECK_FALSE(n.next_batch());
  CHECK(n.error() == records_errc::nested_compression);
}
