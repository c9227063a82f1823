// `kwire wire check` on captures built by hand (capture_builder.hpp): every
// file format and link type reads the same; segments split, reordered and
// duplicated over several connections change nothing; each kind of
// violation is reported with its field path and offset, and fails the exit
// status. tshark reads the same hand-built files, so the builder is not only
// checked by the reader it feeds.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <unistd.h>
#include <vector>

#include "../../tools/kwire/wire/json.cpp"  // NOLINT: the tool has no library; its JSON parser reads the output
#include "../protocol/frame_helpers.hpp"
#include "capture_builder.hpp"
#include "kwire/protocol/messages/api_versions_request.hpp"
#include "kwire/protocol/messages/api_versions_response.hpp"
#include "kwire/protocol/messages/find_coordinator_request.hpp"
#include "kwire/protocol/messages/init_producer_id_request.hpp"
#include "kwire/protocol/messages/metadata_request.hpp"
#include "kwire/protocol/messages/metadata_response.hpp"
#include "kwire/protocol/messages/produce_request.hpp"
#include "kwire/protocol/messages/produce_response.hpp"
#include "kwire/protocol/records/batch_builder.hpp"
#include "run_tool.hpp"
#include "wire_check_run.hpp"

namespace {

namespace msg = kwire::protocol::messages;
using kwire::test::ByteVector;
using kwire::test::CaptureBuilder;
using kwire::test::Link;
using kwire::test::sized;
using kwire::test::CheckRun;
using kwire::tool::Json;

template <typename Response>
ByteVector response_body(const Response& resp, std::int16_t version, std::int32_t correlation) {
  msg::ResponseHeader h;
  h.correlation_id = correlation;
  kwire::protocol::Writer w;
  h.encode(w, kwire::protocol::response_header_version(Response::api_key, version));
  resp.encode(w, version);
  ByteVector out;
  w.gather([&](kwire::protocol::Bytes b) { out.insert(out.end(), b.begin(), b.end()); });
  return out;
}

template <typename Request>
ByteVector request(const Request& req, std::int16_t version, std::int32_t correlation) {
  return sized(kwire::test::request_body(req, version, correlation, "wire-check"));
}

template <typename Response>
ByteVector response(const Response& resp, std::int16_t version, std::int32_t correlation) {
  return sized(response_body(resp, version, correlation));
}

ByteVector api_versions_answer(std::int16_t produce_max, bool with_init_producer_id, std::int32_t correlation) {
  msg::ApiVersionsResponse resp;
  resp.api_keys.push_back({0, 0, produce_max, {}});
  resp.api_keys.push_back({3, 0, 12, {}});
  resp.api_keys.push_back({10, 0, 6, {}});
  resp.api_keys.push_back({18, 0, 3, {}});
  if (with_init_producer_id) resp.api_keys.push_back({22, 0, 5, {}});
  return response(resp, 3, correlation);
}

msg::MetadataRequest metadata_request() {
  msg::MetadataRequest req;
  req.topics.emplace();
  msg::MetadataRequest::MetadataRequestTopic t;
  t.name = "events";
  req.topics->push_back(t);
  req.allow_auto_topic_creation = true;
  return req;
}

ByteVector one_batch() {
  kwire::protocol::records::BatchBuilder b({}, SIZE_MAX, 1700000000000);
  const std::string value = "hello";
  REQUIRE(b.append(1700000000000, std::nullopt, kwire::protocol::as_bytes(value)));
  REQUIRE_FALSE(b.close().empty());
  return b.take_buffer();
}

msg::ProduceRequest produce_request(const ByteVector& records) {
  msg::ProduceRequest req;
  req.acks = -1;
  req.timeout_ms = 1000;
  msg::ProduceRequest::TopicProduceData topic;
  topic.name = "events";
  msg::ProduceRequest::TopicProduceData::PartitionProduceData p;
  p.index = 0;
  p.records = kwire::protocol::Bytes(records);
  topic.partition_data.push_back(p);
  req.topic_data.push_back(topic);
  return req;
}

// ApiVersions v3, Metadata v9 and Produce v9, each request answered: six conforming frames.
void conversation(CaptureBuilder& c, const ByteVector& records, std::size_t mss = 1400) {
  c.handshake();
  c.send(true, request(msg::ApiVersionsRequest{"kwire", "1.0", {}}, 3, 1), mss);
  c.send(false, api_versions_answer(9, true, 1), mss);
  c.send(true, request(metadata_request(), 9, 2), mss);
  msg::MetadataResponse md;
  md.brokers.push_back({1, "localhost", 9092, std::nullopt, {}});
  md.cluster_id = "cluster";
  c.send(false, response(md, 9, 2), mss);
  c.send(true, request(produce_request(records), 9, 3), mss);
  msg::ProduceResponse pr;
  c.send(false, response(pr, 9, 3), mss);
}

CheckRun check(const ByteVector& capture, const std::vector<std::string>& extra = {}) {
  char path[] = "/tmp/kwire-wire-check-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  CaptureBuilder::write(path, capture);
  CheckRun out = kwire::test::check_capture_file(path, extra);
  std::remove(path);
  return out;
}

std::int64_t summary(const CheckRun& r, const char* key) {
  const Json* v = r.summary.find(key);
  REQUIRE(v != nullptr);
  return v->as_int();
}

// The one violation the capture must hold.
const Json& only_violation(const CheckRun& r, const std::string& kind) {
  INFO("violations: " << summary(r, "violations"));
  for (const auto& [line, v] : r.violations) INFO(v->dump(0));
  REQUIRE(r.violations.size() == 1);
  CHECK(r.violations[0].second->find("kind")->as_string() == kind);
  CHECK(r.exit_code == 1);
  return *r.violations[0].second;
}

void expect_clean(const CheckRun& r, std::int64_t frames) {
  for (const auto& [line, v] : r.violations) INFO(v->dump(0));
  CHECK(r.exit_code == 0);
  CHECK(summary(r, "frames") == frames);
  CHECK(summary(r, "decoded") == frames);
  CHECK(summary(r, "identical") == frames);
  CHECK(summary(r, "violations") == 0);
}

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

}  // namespace

TEST_CASE("wire check: pcap and pcapng in both byte orders, every link type, IPv4 and IPv6", "[tools][wire]") {
  const ByteVector records = one_batch();
  struct Case {
    Link link;
    bool ipv6;
  };
  for (const Case& k : {Case{Link::ethernet, false}, Case{Link::ethernet, true}, Case{Link::sll, false},
                        Case{Link::sll2, false}, Case{Link::null, false}, Case{Link::null, true},
                        Case{Link::loop, false}}) {
    CaptureBuilder c(k.link, k.ipv6);
    conversation(c, records);
    for (int format = 0; format < 4; ++format) {
      INFO("link " << static_cast<int>(k.link) << (k.ipv6 ? " IPv6" : " IPv4") << ", format " << format);
      const ByteVector file = format == 0   ? c.pcap(true, false)
                              : format == 1 ? c.pcap(false, true)
                              : format == 2 ? c.pcapng(true)
                                            : c.pcapng(false);
      auto r = check(file);
      expect_clean(r, 6);
      REQUIRE(r.frames.size() == 6);
      CHECK(r.frames[4].find("api")->as_string() == "Produce");
      CHECK(r.frames[4].find("api_version")->as_int() == 9);
      CHECK(r.frames[5].find("direction")->as_string() == "response");
      CHECK(r.frames[5].find("correlation_id")->as_int() == 3);
    }
  }
}

TEST_CASE("wire check: tshark reads the hand-built captures as the same Kafka frames", "[tools][wire][tshark]") {
  if (std::system("command -v tshark >/dev/null 2>&1") != 0) {
    WARN("tshark is not installed (tools/setup.sh installs it): the builder is checked by kwire alone");
    SUCCEED();
    return;
  }
  const ByteVector records = one_batch();
  for (Link link : {Link::ethernet, Link::sll, Link::sll2, Link::null, Link::loop}) {
    INFO("link " << static_cast<int>(link));
    CaptureBuilder c(link);
    conversation(c, records);
    char path[] = "/tmp/kwire-wire-tshark-XXXXXX";
    const int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    close(fd);
    CaptureBuilder::write(path, link == Link::sll2 ? c.pcapng(false) : c.pcap(false, true));
    const std::string cmd = std::string("tshark -r ") + path +
                            " -d tcp.port==9092,kafka -Y kafka -T fields -e kafka.correlation_id 2>/dev/null";
    std::FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::string text;
    char buf[256];
    while (std::fgets(buf, sizeof buf, p)) text += buf;
    pclose(p);
    std::remove(path);
    INFO(text);
    // Each request and its response, correlation ids 1 to 3, in order.
    CHECK(text == "1\n1\n2\n2\n3\n3\n");
  }
}

TEST_CASE("wire check: split, reordered and duplicated segments on several connections read as sent",
          "[tools][wire]") {
  const ByteVector records = one_batch();
  CaptureBuilder c(Link::ethernet);
  std::vector<kwire::test::TcpPacket> all;
  for (std::uint16_t port : {50001, 50002}) {
    c.use_connection(port);
    c.handshake();
    // Every frame in 7-byte segments.
    for (auto& [from_client, frame] : std::vector<std::pair<bool, ByteVector>>{
             {true, request(msg::ApiVersionsRequest{"kwire", "1.0", {}}, 3, 1)},
             {false, api_versions_answer(9, true, 1)},
             {true, request(metadata_request(), 9, 2)},
             {true, request(produce_request(records), 9, 3)},
             {false, response(msg::ProduceResponse{}, 9, 3)}}) {
      auto segments = c.stream(from_client, frame, 7);
      all.insert(all.end(), segments.begin(), segments.end());
    }
  }
  // Interleave the connections, send each direction's segments in a scrambled
  // order, and send some again (one retransmission spans two segments).
  std::vector<kwire::test::TcpPacket> scrambled;
  for (std::size_t i = 0; i < all.size(); i += 5) {
    const std::size_t end = std::min(all.size(), i + 5);
    for (std::size_t j = end; j-- > i;) scrambled.push_back(all[j]);
    if (i % 3 == 0) scrambled.push_back(all[i]);
  }
  std::size_t pair = 10;
  while (pair + 1 < all.size() && !(all[pair].from_client == all[pair + 1].from_client &&
                                    all[pair].client_port == all[pair + 1].client_port))
    ++pair;
  REQUIRE(pair + 1 < all.size());
  auto merged = all[pair];
  merged.payload.insert(merged.payload.end(), all[pair + 1].payload.begin(), all[pair + 1].payload.end());
  scrambled.push_back(merged);
  c.add_all(scrambled);
  auto r = check(c.pcapng());
  expect_clean(r, 10);
  CHECK(summary(r, "connections") == 2);
  // The Metadata request (correlation 2) got no answer: reported, not a violation.
  CHECK(summary(r, "unanswered_requests") == 2);

  SECTION("a retransmission with different bytes is a violation") {
    auto bad = all[12];
    bad.payload[0] ^= 0xFF;
    c.add(bad);
    auto conflict = check(c.pcapng());
    only_violation(conflict, "tcp_conflicting_retransmission");
  }
}

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

TEST_CASE("wire check: --port keeps to the brokers' ports; decode --pcap prints every frame", "[tools][wire]") {
  const ByteVector records = one_batch();
  CaptureBuilder c(Link::sll2);
  conversation(c, records);
  auto elsewhere = check(c.pcapng(), {"--port", "9093"});
  CHECK(summary(elsewhere, "frames") == 0);
  CHECK(elsewhere.exit_code == 0);
  expect_clean(check(c.pcapng(), {"--port", "9093,9092"}), 6);

  char path[] = "/tmp/kwire-wire-decode-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  CaptureBuilder::write(path, c.pcap());
  auto run = kwire::test::run_tool({"wire", "decode", "--pcap", path});
  std::remove(path);
  REQUIRE(run.exit_code == 0);
  auto lines = kwire::test::json_lines(run.out);
  REQUIRE(lines.size() == 6);
  CHECK(lines[2].find("message")->as_string() == "MetadataRequest");
  const Json* topics = lines[2].find("body")->find("Topics");
  REQUIRE(topics != nullptr);
  REQUIRE(topics->items().size() == 1);
  CHECK(topics->items()[0].find("Name")->as_string() == "events");
  CHECK(lines[3].find("header")->find("CorrelationId")->as_int() == 2);
}
