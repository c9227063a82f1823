// The batch reader over what the builder writes (every codec), over a blob
// of several batches with a partial tail, and over control batches.
#include <catch2/catch.hpp>

#include <string>

#include "kwire/protocol/records/batch_builder.hpp"
#include "kwire/protocol/records/batch_reader.hpp"
#include "kwire/protocol/records/records_error.hpp"

using kwire::protocol::Bytes;
using kwire::protocol::as_bytes;
using kwire::protocol::as_string;
using namespace kwire::protocol::records;

namespace {
std::vector<std::uint8_t> build(Codec codec, int n, std::int64_t base_offset, std::int64_t ts0) {
  BatchBuilder b({}, 1 << 24, ts0);
  for (int i = 0; i < n; ++i) {
    std::string key = "key-" + std::to_string(i);
    std::string value(static_cast<std::size_t>(i * 10), static_cast<char>('a' + i % 26));
    Header hs[] = {{"idx", as_bytes(key)}, {"null", std::nullopt}};
    std::optional<Bytes> k = i % 3 == 0 ? std::nullopt : std::optional<Bytes>(as_bytes(key));
    REQUIRE(b.append(ts0 + i, k, as_bytes(value), std::span<const Header>(hs, i % 2 ? 2 : 0)));
  }
  b.set_base_offset(base_offset);
  b.set_producer_state(99, 2, 1000, false);
  auto batch = b.close(codec, kwire::compression::default_level);
  REQUIRE_FALSE(batch.empty());
  return b.take_buffer();
}

void check_records(BatchReader& r, int n, std::int64_t base_offset, std::int64_t ts0) {
  RecordView rec;
  for (int i = 0; i < n; ++i) {
    REQUIRE(r.next_record(rec));
    std::string key = "key-" + std::to_string(i);
    CHECK(rec.offset == base_offset + i);
    CHECK(rec.timestamp == ts0 + i);
    if (i % 3 == 0) CHECK_FALSE(rec.key.has_value());
    else REQUIRE((rec.key && as_string(*rec.key) == key));
    REQUIRE(rec.value.has_value());
    CHECK(as_string(*rec.value) == std::string(static_cast<std::size_t>(i * 10), static_cast<char>('a' + i % 26)));
    CHECK(rec.headers.size() == (i % 2 ? 2u : 0u));
    int h = 0;
    for (const Header& hdr : rec.headers) {
      if (h == 0) {
        CHECK(hdr.key == "idx");
        REQUIRE(hdr.value);
        CHECK(as_string(*hdr.value) == key);
      } else {
        CHECK(hdr.key == "null");
        CHECK_FALSE(hdr.value);
      }
      ++h;
    }
    CHECK(h == static_cast<int>(rec.headers.size()));
  }
  CHECK_FALSE(r.next_record(rec));
  CHECK_FALSE(r.error());
}
}  // namespace

TEST_CASE("reader returns what the builder wrote, for every codec", "[records][reader]") {
  for (Codec c : {Codec::none, Codec::gzip, Codec::snappy, Codec::lz4, Codec::zstd}) {
    INFO(kwire::compression::codec_name(c));
    auto blob = build(c, 50, 1000, 1700000000000);
    BatchReader r(blob);
    REQUIRE(r.next_batch());
    const BatchInfo& info = r.batch();
    CHECK(info.codec == c);
    CHECK(info.base_offset == 1000);
    CHECK(info.record_count == 50);
    CHECK(info.last_offset_delta == 49);
    CHECK(info.next_offset() == 1050);
    CHECK(info.producer_id == 99);
    CHECK(info.producer_epoch == 2);
    CHECK(info.base_sequence == 1000);
    CHECK_FALSE(info.transactional);
    CHECK_FALSE(info.control);
    CHECK(info.max_timestamp == 1700000000049);
    check_records(r, 50, 1000, 1700000000000);
    CHECK_FALSE(r.next_batch());
    CHECK_FALSE(r.error());
    CHECK_FALSE(r.partial_tail());
  }
}

TEST_CASE("uncompressed keys and values are views into the blob", "[records][reader]") {
  auto blob = build(Codec::none, 5, 0, 0);
  BatchReader r(blob);
  REQUIRE(r.next_batch());
  RecordView rec;
  REQUIRE(r.next_record(rec));
  REQUIRE(r.next_record(rec));
  REQUIRE(rec.key);
  CHECK(rec.key->data() >= blob.data());
  CHECK(rec.key->data() < blob.data() + blob.size());
}

TEST_CASE("several batches, then a partial tail that is skipped, not an error", "[records][reader]") {
  std::vector<std::uint8_t> blob;
  for (int b = 0; b < 3; ++b) {
    auto one = build(b == 1 ? Codec::lz4 : Codec::none, 10, b * 10, 5000 + b * 10);
    blob.insert(blob.end(), one.begin(), one.end());
  }
  std::size_t complete = blob.size();
  auto tail = build(Codec::none, 10, 30, 5030);
  for (std::size_t cut : {std::size_t{5}, std::size_t{30}, tail.size() - 1}) {
    INFO("tail of " << cut << " bytes");
    std::vector<std::uint8_t> withtail(blob);
    withtail.insert(withtail.end(), tail.begin(), tail.begin() + static_cast<std::ptrdiff_t>(cut));
    BatchReader r(withtail);
    for (int b = 0; b < 3; ++b) {
      REQUIRE(r.next_batch());
      check_records(r, 10, b * 10, 5000 + b * 10);
    }
    CHECK_FALSE(r.next_batch());
    CHECK_FALSE(r.error());
    CHECK(r.partial_tail());
    CHECK(r.position() == complete);

    BatchReaderOptions strict;
    strict.allow_partial_tail = false;
    BatchReader s(withtail, strict);
    for (int b = 0; b < 3; ++b) REQUIRE(s.next_batch());
    CHECK_FALSE(s.next_batch());
    CHECK(s.error() == records_errc::truncated_batch);
  }
}

TEST_CASE("control batches carry transaction markers", "[records][reader]") {
  BatchBuilder b({}, 1 << 20, 77);
  REQUIRE(b.append_control(ControlType::commit, 5, 77));
  b.set_producer_state(42, 1, -1, true);
  b.set_base_offset(10);
  auto batch = b.close();
  BatchReader r(batch);
  REQUIRE(r.next_batch());
  CHECK(r.batch().control);
  CHECK(r.batch().transactional);
  CHECK(r.batch().producer_id == 42);
  RecordView rec;
  REQUIRE(r.next_record(rec));
  ControlRecord marker;
  REQUIRE_FALSE(parse_control_record(rec, marker));
  CHECK(marker.type == ControlType::commit);
  CHECK(marker.coordinator_epoch == 5);
  CHECK(rec.offset == 10);
  // The key is version 0 then type 1, as Kafka's ControlRecordType.
  REQUIRE(rec.key);
  const std::uint8_t key[] = {0, 0, 0, 1};
  CHECK(std::equal(std::begin(key), std::end(key), rec.key->begin(), rec.key->end()));
  RecordView plain;
  plain.key = as_bytes("x");
  CHECK(parse_control_record(plain, marker) == records_errc::invalid_control_record);
}

TEST_CASE("log append time batches report max timestamp for every record", "[records][reader]") {
  BatchBuilder b({}, 1 << 20, 100);
  REQUIRE(b.append(100, std::nullopt, as_bytes("a"), {}));
  REQUIRE(b.append(150, std::nullopt, as_bytes("b"), {}));
  b.set_log_append_time(true);
  auto batch = b.close();
  BatchReader r(batch);
  REQUIRE(r.next_batch());
  CHECK(r.batch().timestamp_type == TimestampType::log_append_time);
  RecordView rec;
  while (r.next_record(rec)) CHECK(rec.timestamp == 150);
  CHECK_FALSE(r.error());
}
