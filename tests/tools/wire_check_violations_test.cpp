// `kwire wire check` reports each kind of violation in a hand-built capture
// (wire_check_captures.hpp) with its field path and offset, and fails the
// exit status: an unknown API, a version or an API the broker did not
// advertise, truncated and trailing bytes, a long varint, tagged fields out of
// order or repeated, a forbidden null, a bad record batch, a response to no
// request, a stream ending inside a frame.
#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "kwire/protocol/messages/find_coordinator_request.hpp"
#include "kwire/protocol/messages/init_producer_id_request.hpp"
#include "wire_check_captures.hpp"

namespace kwire::test::wire_check::violations_test {

// Replaces the first occurrence of `from` in `bytes` (it must be there).
void patch(ByteVector& bytes, const ByteVector& from, const ByteVector& to) {
  auto it = std::search(bytes.begin(), bytes.end(), from.begin(), from.end());
  REQUIRE(it != bytes.end());
  it = bytes.erase(it, it + static_cast<std::ptrdiff_t>(from.size()));
  bytes.insert(it, to.begin(), to.end());
}

// A request frame after `edit` changed its body; the size prefix follows.
template <typename Request>
ByteVector edited(const Request& req, std::int16_t version, std::int32_t correlation,
           const std::function<void(ByteVector&)>& edit) {
  ByteVector body = kwire::test::request_body(req, version, correlation, "wire-check");
  edit(body);
  return sized(body);
}

// A capture of one connection: ApiVersions (advertising Produce up to v9), then `frames`.
ByteVector capture_of(const std::vector<std::pair<bool, ByteVector>>& frames) {
  CaptureBuilder c(Link::ethernet);
  c.handshake();
  c.send(true, request(msg::ApiVersionsRequest{"kwire", "1.0", {}}, 3, 1));
  c.send(false, api_versions_answer(9, false, 1));
  for (const auto& [from_client, frame] : frames) c.send(from_client, frame);
  return c.pcapng();
}

// The test cases stay in the namespace: unity builds put files together.

TEST_CASE("wire check: each violation is reported with its place", "[tools][wire]") {
  const ByteVector records = one_batch();

  SECTION("unknown API key") {
    ByteVector body{0x03, 0xE7, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00};  // key 999 v0, corr 5, client id ""
    auto v = only_violation(check(capture_of({{true, sized(body)}})), "unknown_api_key");
    CHECK(v.find("offset")->as_int() == 4);
  }
  SECTION("a version the broker did not advertise") {
    CaptureBuilder c(Link::ethernet);
    c.handshake();
    c.send(true, request(msg::ApiVersionsRequest{"kwire", "1.0", {}}, 3, 1));
    c.send(false, api_versions_answer(8, false, 1));
    c.send(true, request(produce_request(records), 9, 2));
    only_violation(check(c.pcapng()), "version_not_advertised");
  }
  SECTION("an API the broker did not advertise") {
    msg::InitProducerIdRequest init;
    only_violation(check(capture_of({{true, request(init, 4, 2)}})), "api_not_advertised");
  }
  SECTION("truncated message") {
    auto frame = edited(metadata_request(), 9, 2, [](ByteVector& b) { b.resize(b.size() - 3); });
    auto v = only_violation(check(capture_of({{true, frame}})), "truncated");
    CHECK(v.find("path")->as_string().rfind("MetadataRequest.", 0) == 0);
  }
  SECTION("trailing bytes") {
    auto frame = edited(metadata_request(), 9, 2, [](ByteVector& b) { b.insert(b.end(), {0xAA, 0xBB}); });
    auto v = only_violation(check(capture_of({{true, frame}})), "trailing_bytes");
    CHECK(v.find("offset")->as_int() == static_cast<std::int64_t>(frame.size() - 2));
  }
  SECTION("a varint longer than needed") {
    // Topics: compact array of one (0x02), then the name "events": length 6+1 in two bytes.
    auto frame = edited(metadata_request(), 9, 2, [](ByteVector& b) { patch(b, {0x02, 0x07, 'e'}, {0x02, 0x87, 0x00, 'e'}); });
    auto v = only_violation(check(capture_of({{true, frame}})), "non_minimal_varint");
    CHECK(v.find("path")->as_string() == "MetadataRequest.Topics[0].Name");
    const ByteVector marker{0x87, 0x00, 'e'};
    const auto at = std::search(frame.begin(), frame.end(), marker.begin(), marker.end()) - frame.begin();
    CHECK(v.find("offset")->as_int() == at);
  }
  SECTION("tagged fields out of order, and repeated") {
    // The request's own tagged fields are its last byte (none): put two unknown ones there.
    for (bool repeat : {false, true}) {
      auto frame = edited(metadata_request(), 9, 2, [&](ByteVector& b) {
        b.pop_back();
        b.insert(b.end(), {0x02, 0x05, 0x01, 0x11, static_cast<std::uint8_t>(repeat ? 0x05 : 0x03), 0x01, 0x22});
      });
      auto v = only_violation(check(capture_of({{true, frame}})),
                              repeat ? "duplicate_tagged_field" : "tagged_fields_out_of_order");
      CHECK(v.find("path")->as_string() == "MetadataRequest._tagged_fields");
    }
  }
  SECTION("null where the version does not allow it") {
    msg::FindCoordinatorRequest fc;
    fc.key = "g";
    // Key "g" (compact: 0x02 'g') becomes null (0x00).
    auto frame = edited(fc, 3, 2, [](ByteVector& b) { patch(b, {0x02, 'g'}, {0x00}); });
    auto v = only_violation(check(capture_of({{true, frame}})), "null_not_allowed");
    CHECK(v.find("path")->as_string() == "FindCoordinatorRequest.Key");
  }
  SECTION("a record batch with a bad CRC") {
    ByteVector bad = records;
    bad.back() ^= 0x01;  // inside the record, covered by the CRC
    auto v = only_violation(check(capture_of({{true, request(produce_request(bad), 9, 2)}})), "record_batch_crc");
    CHECK(v.find("path")->as_string() == "ProduceRequest.TopicData[0].PartitionData[0].Records");
  }
  SECTION("a record batch whose length runs past its records") {
    ByteVector bad = records;
    bad[11] = static_cast<std::uint8_t>(bad[11] + 8);  // batch length (bytes 8-11) claims 8 more bytes
    only_violation(check(capture_of({{true, request(produce_request(bad), 9, 2)}})), "record_batch_length");
  }
  SECTION("a response to no request") {
    auto v = only_violation(check(capture_of({{false, response(msg::ProduceResponse{}, 9, 4242)}})),
                            "response_to_no_request");
    CHECK(v.find("detail")->as_string().find("4242") != std::string::npos);
  }
  SECTION("a stream that ends inside a frame") {
    ByteVector frame = request(metadata_request(), 9, 2);
    frame.resize(frame.size() - 5);
    only_violation(check(capture_of({{true, frame}})), "truncated_frame");
  }
}

}  // namespace kwire::test::wire_check::violations_test
