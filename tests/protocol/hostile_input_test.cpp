// Hand-built hostile bodies: lengths past the end, negative lengths other
// than null, huge array counts, over-long varints and nulls where a version
// forbids them. Each must give a clear wire error, no crash and no large
// allocation (ASan would report an allocation over its limit).
#include <catch2/catch.hpp>

#include <vector>

#include "kwire/protocol/messages/api_versions_request.hpp"
#include "kwire/protocol/messages/metadata_request.hpp"
#include "kwire/protocol/messages/produce_request.hpp"
#include "kwire/protocol/wire/reader.hpp"
#include "kwire/protocol/wire/wire_error.hpp"

using namespace kwire::protocol;
using namespace kwire::protocol::messages;

namespace {
template <typename M>
std::error_code decode_as(std::vector<std::uint8_t> body, std::int16_t version) {
  M m;
  Reader r(body);
  return m.decode(r, version);
}
}  // namespace

TEST_CASE("array counts past the end of the frame are refused", "[protocol][hostile]") {
  // MetadataRequest v0: topics array with a count of 2^31-1 and no elements.
  CHECK(decode_as<MetadataRequest>({0x7f, 0xff, 0xff, 0xff}, 0) == wire_errc::invalid_length);
  // A count of 3 but room for one short topic only.
  CHECK(decode_as<MetadataRequest>({0, 0, 0, 3, 0, 1, 'a'}, 0) == wire_errc::truncated);
}

TEST_CASE("negative lengths other than -1 are refused", "[protocol][hostile]") {
  // MetadataRequest v0: count -2.
  CHECK(decode_as<MetadataRequest>({0xff, 0xff, 0xff, 0xfe}, 0) == wire_errc::invalid_length);
  // A topic name of length -5.
  CHECK(decode_as<MetadataRequest>({0, 0, 0, 1, 0xff, 0xfb}, 0) == wire_errc::invalid_length);
  // ProduceRequest v3: transactional id null (-1) is fine, -2 is not.
  std::vector<std::uint8_t> produce{0xff, 0xff, 0, 1, 0, 0, 0x03, 0xe8, 0, 0, 0, 0};
  CHECK_FALSE(decode_as<ProduceRequest>(produce, 3));
  produce[1] = 0xfe;
  CHECK(decode_as<ProduceRequest>(produce, 3) == wire_errc::invalid_length);
}

TEST_CASE("string lengths past the end are refused", "[protocol][hostile]") {
  // One topic whose name claims 30000 bytes.
  CHECK(decode_as<MetadataRequest>({0, 0, 0, 1, 0x75, 0x30, 'a', 'b'}, 0) == wire_errc::invalid_length);
  // Compact (v9+) string length 1000 with 3 bytes left.
  CHECK(decode_as<MetadataRequest>({2, 0xe9, 0x07, 'a', 'b', 'c'}, 9) == wire_errc::invalid_length);
}

TEST_CASE("over-long varints are refused", "[protocol][hostile]") {
  // ApiVersionsRequest v3: client software name length as a 6-byte varint.
  CHECK(decode_as<ApiVersionsRequest>({0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 3) == wire_errc::varint_too_long);
  // MetadataRequest v9: compact array count as 6 bytes.
  CHECK(decode_as<MetadataRequest>({0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 9) == wire_errc::varint_too_long);
}

TEST_CASE("null where the version does not allow it", "[protocol][hostile]") {
  // MetadataRequest: topics is nullable from v1 only.
  CHECK(decode_as<MetadataRequest>({0xff, 0xff, 0xff, 0xff}, 0) == wire_errc::unexpected_null);
  MetadataRequest m;
  std::vector<std::uint8_t> v1{0xff, 0xff, 0xff, 0xff};
  Reader r(v1);
  REQUIRE_FALSE(m.decode(r, 1));
  CHECK_FALSE(m.topics.has_value());
}

TEST_CASE("tagged fields past the end and huge tag counts are refused", "[protocol][hostile]") {
  // ApiVersionsRequest v3: name "a", version "b", then 1 tagged field of 100 bytes with 2 present.
  CHECK(decode_as<ApiVersionsRequest>({2, 'a', 2, 'b', 1, 5, 100, 1, 2}, 3) == wire_errc::truncated);
  // A tag count of 2^32-1 with nothing behind it.
  CHECK(decode_as<ApiVersionsRequest>({2, 'a', 2, 'b', 0xff, 0xff, 0xff, 0xff, 0x0f}, 3) == wire_errc::truncated);
}

TEST_CASE("validate reports values a version cannot carry", "[protocol]") {
  ProduceRequest p;
  CHECK_FALSE(p.validate(2));
  p.transactional_id = "txn";
  CHECK(p.validate(2) == wire_errc::non_default_ignorable);
  CHECK_FALSE(p.validate(3));
  CHECK(p.validate(12) == wire_errc::unsupported_version);
  MetadataRequest m;
  m.topics.reset();  // null topics ("all topics") needs v1+
  CHECK(m.validate(0) == wire_errc::unexpected_null);
  CHECK_FALSE(m.validate(1));
}
