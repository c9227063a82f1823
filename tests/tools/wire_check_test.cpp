// `kwire wire check` on captures built by hand (wire_check_captures.hpp,
// capture_builder.hpp): every file format and link type reads the same;
// segments split, reordered and duplicated over several connections change
// nothing; --port keeps to the brokers' ports, and decode --pcap prints every
// frame. tshark reads the same hand-built files, so the builder is not only
// checked by the reader it feeds. The violations: wire_check_violations_test.cpp.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "../../tools/kwire/wire/json.cpp"  // NOLINT: the tool has no library; its JSON parser reads the output
#include "run_tool.hpp"
#include "wire_check_captures.hpp"

namespace kwire::test::wire_check::reading_test {

// The test cases stay in the namespace: unity builds put files together.

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

}  // namespace kwire::test::wire_check::reading_test
