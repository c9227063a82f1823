// The batch builder against the v2 format in implementation.html: header
// fields at their offsets, the record encoding byte by byte for a small
// record, exact size accounting, the size limit, and in-place producer-state
// rewrites that keep the CRC valid.
#include <catch2/catch.hpp>

#include <string>

#include "kwire/protocol/records/batch_builder.hpp"
#include "kwire/protocol/records/crc32c.hpp"

using kwire::protocol::Bytes;
using kwire::protocol::as_bytes;
using namespace kwire::protocol::records;

namespace {
std::uint64_t be(const std::uint8_t* p, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}
bool crc_ok(std::span<const std::uint8_t> b) { return crc32c(b.subspan(21)) == be(b.data() + 17, 4); }
}  // namespace

TEST_CASE("one small record encodes as the spec says", "[records][builder]") {
  BatchBuilder b({}, 1 << 20, 1700000000000);
  REQUIRE(b.append(1700000000000, as_bytes("k"), as_bytes("v"), {}));
  auto batch = b.close();
  REQUIRE(batch.size() == 61 + 9);
  // Record: length 8 (zig-zag 0x10), attributes 0, ts delta 0, offset delta 0,
  // key length 1 (0x02) 'k', value length 1 (0x02) 'v', 0 headers.
  const std::uint8_t record[] = {0x10, 0x00, 0x00, 0x00, 0x02, 'k', 0x02, 'v', 0x00};
  CHECK(std::equal(std::begin(record), std::end(record), batch.begin() + 61));
  CHECK(be(&batch[0], 8) == 0);                          // base offset
  CHECK(be(&batch[8], 4) == batch.size() - 12);          // batch length
  CHECK(be(&batch[12], 4) == 0xFFFFFFFFu);               // partition leader epoch -1
  CHECK(batch[16] == 2);                                 // magic
  CHECK(be(&batch[21], 2) == 0);                         // attributes
  CHECK(be(&batch[23], 4) == 0);                         // last offset delta
  CHECK(be(&batch[27], 8) == 1700000000000u);            // base timestamp
  CHECK(be(&batch[35], 8) == 1700000000000u);            // max timestamp
  CHECK(be(&batch[43], 8) == 0xFFFFFFFFFFFFFFFFu);       // producer id -1
  CHECK(be(&batch[51], 2) == 0xFFFFu);                   // epoch -1
  CHECK(be(&batch[53], 4) == 0xFFFFFFFFu);               // base sequence -1
  CHECK(be(&batch[57], 4) == 1);                         // record count
  CHECK(crc_ok(batch));
}

TEST_CASE("null key and value and headers encode as -1 lengths", "[records][builder]") {
  BatchBuilder b({}, 1 << 20, 1000);
  Header h[] = {{"h", std::nullopt}, {"x", as_bytes("yz")}};
  REQUIRE(b.append(1003, std::nullopt, std::nullopt, h));
  auto batch = b.close();
  // length, attrs, ts delta 3 (0x06), offset 0, key -1 (0x01), value -1 (0x01),
  // 2 headers (0x04): "h" (0x02 'h') null (0x01), "x" (0x02 'x') "yz" (0x04 'y' 'z').
  const std::uint8_t record[] = {0x1c, 0x00, 0x06, 0x00, 0x01, 0x01, 0x04, 0x02, 'h', 0x01, 0x02, 'x', 0x04, 'y', 'z'};
  REQUIRE(batch.size() == 61 + sizeof record);
  CHECK(std::equal(std::begin(record), std::end(record), batch.begin() + 61));
  CHECK(be(&batch[35], 8) == 1003);
}

TEST_CASE("size_bytes is exact at every step and the limit holds", "[records][builder]") {
  const std::size_t limit = 2000;
  BatchBuilder b({}, limit, 0);
  CHECK(b.size_bytes() == BatchBuilder::overhead_bytes);
  std::string value(100, 'v');
  Header hs[] = {{"trace", as_bytes("abc")}};
  int appended = 0;
  for (int i = 0;; ++i) {
    std::size_t before = b.size_bytes();
    std::size_t expect = BatchBuilder::record_size(i * 5, i, as_bytes("key"), as_bytes(value), hs);
    CHECK(expect <= BatchBuilder::record_size_upper_bound(3, value.size(), hs));
    if (!b.append(i * 5, as_bytes("key"), as_bytes(value), hs)) {
      CHECK(before + expect > limit);
      CHECK(b.size_bytes() == before);  // nothing written
      break;
    }
    ++appended;
    CHECK(b.size_bytes() == before + expect);
    CHECK(b.size_bytes() <= limit);
  }
  CHECK(b.record_count() == appended);
  auto batch = b.close();
  CHECK(batch.size() <= limit);
  CHECK(be(&batch[23], 4) == static_cast<std::uint64_t>(appended - 1));
}

TEST_CASE("the first record is accepted even over the limit", "[records][builder]") {
  BatchBuilder b({}, 100, 0);
  std::string big(1000, 'x');
  CHECK(b.append(0, std::nullopt, as_bytes(big), {}));
  CHECK_FALSE(b.append(0, std::nullopt, as_bytes("y"), {}));
  CHECK(b.record_count() == 1);
}

TEST_CASE("the lent buffer is reused and returned", "[records][builder]") {
  std::vector<std::uint8_t> pooled;
  pooled.reserve(1 << 16);
  const auto* storage = pooled.data();
  BatchBuilder b(std::move(pooled), 1 << 16, 0);
  for (int i = 0; i < 100; ++i) REQUIRE(b.append(i, as_bytes("k"), as_bytes("value"), {}));
  auto batch = b.close();
  CHECK(batch.data() == storage);  // no reallocation within the lent capacity
  auto back = b.take_buffer();
  CHECK(back.data() == storage);
  CHECK(back.size() == batch.size());
  CHECK_FALSE(b.append(0, as_bytes("k"), as_bytes("late"), {}));  // spent
  CHECK(b.close().empty());
}

TEST_CASE("set_producer_state rewrites the fields and keeps the CRC valid", "[records][builder]") {
  for (auto codec : {Codec::none, Codec::zstd}) {
    BatchBuilder b({}, 1 << 20, 5);
    for (int i = 0; i < 10; ++i) REQUIRE(b.append(5 + i, as_bytes("k"), as_bytes("v"), {}));
    b.set_producer_state(7, 1, 0, false);
    auto batch = b.close(codec, kwire::compression::default_level);
    REQUIRE_FALSE(batch.empty());
    CHECK(be(&batch[43], 8) == 7);
    CHECK(be(&batch[21], 2) == static_cast<std::uint64_t>(codec));
    std::vector<std::uint8_t> payload(batch.begin() + 61, batch.end());
    REQUIRE(set_producer_state(batch, 123456789012, 3, 4242, true));
    CHECK(be(&batch[43], 8) == 123456789012u);
    CHECK(be(&batch[51], 2) == 3);
    CHECK(be(&batch[53], 4) == 4242);
    CHECK((be(&batch[21], 2) & 0x10) != 0);
    CHECK((be(&batch[21], 2) & 0x07) == static_cast<std::uint64_t>(codec));
    CHECK(crc_ok(batch));
    CHECK(std::equal(payload.begin(), payload.end(), batch.begin() + 61));  // not re-compressed
    REQUIRE(set_partition_leader_epoch(batch, 9));
    CHECK(be(&batch[12], 4) == 9);
    CHECK(crc_ok(batch));
  }
}

TEST_CASE("close reports a bad level and can be retried", "[records][builder]") {
  BatchBuilder b({}, 1 << 20, 0);
  REQUIRE(b.append(0, as_bytes("k"), as_bytes("v"), {}));
  CHECK(b.close(Codec::gzip, 42).empty());
  CHECK(b.error());
  CHECK_FALSE(b.closed());
  CHECK_FALSE(b.close(Codec::gzip, 9).empty());
  CHECK(b.closed());
}
