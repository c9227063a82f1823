// Our encodings checked by an independent decoder: Wireshark's Kafka
// dissector (Debian tshark). Requests and responses of ApiVersions, Metadata,
// Produce, Fetch, InitProducerId and FindCoordinator, at the highest version
// the installed dissector knows, are wrapped into a pcap with text2pcap; tshark
// must show the values we set and report nothing malformed or unsupported.
// Debian's tshark 4.0 knows up to ApiVersions v3, Metadata v9, Produce v8,
// Fetch v11, InitProducerId v3 and FindCoordinator v3: flexible versions of
// each are covered (ApiVersions v3, Metadata v9, InitProducerId v3,
// FindCoordinator v3) except Produce and Fetch, whose flexible versions
// (v9, v12) the dissector does not know.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <unistd.h>

#include "frame_helpers.hpp"
#include "kwire/protocol/messages/api_versions_request.hpp"
#include "kwire/protocol/messages/api_versions_response.hpp"
#include "kwire/protocol/messages/fetch_request.hpp"
#include "kwire/protocol/messages/fetch_response.hpp"
#include "kwire/protocol/messages/find_coordinator_request.hpp"
#include "kwire/protocol/messages/find_coordinator_response.hpp"
#include "kwire/protocol/messages/init_producer_id_request.hpp"
#include "kwire/protocol/messages/init_producer_id_response.hpp"
#include "kwire/protocol/messages/metadata_request.hpp"
#include "kwire/protocol/messages/metadata_response.hpp"
#include "kwire/protocol/messages/produce_request.hpp"
#include "kwire/protocol/messages/produce_response.hpp"

using namespace kwire::protocol;
using namespace kwire::protocol::messages;

namespace {

constexpr std::int32_t kCorrelation = 31337;

bool have_tshark() { return std::system("command -v tshark >/dev/null 2>&1 && command -v text2pcap >/dev/null 2>&1") == 0; }

template <typename Response>
std::vector<std::uint8_t> response_body(const Response& resp, std::int16_t key, std::int16_t version) {
  ResponseHeader h;
  h.correlation_id = kCorrelation;
  Writer w;
  h.encode(w, response_header_version(key, version));
  resp.encode(w, version);
  std::vector<std::uint8_t> out;
  w.gather([&](Bytes b) { out.insert(out.end(), b.begin(), b.end()); });
  return out;
}

void hex_packet(std::ofstream& out, char direction, const std::vector<std::uint8_t>& body) {
  std::vector<std::uint8_t> frame{static_cast<std::uint8_t>(body.size() >> 24), static_cast<std::uint8_t>(body.size() >> 16),
                                  static_cast<std::uint8_t>(body.size() >> 8), static_cast<std::uint8_t>(body.size())};
  frame.insert(frame.end(), body.begin(), body.end());
  out << direction << "\n";
  char buf[24];
  for (std::size_t i = 0; i < frame.size(); ++i) {
    if (i % 16 == 0) {
      std::snprintf(buf, sizeof buf, "%06zx", i);
      out << (i ? "\n" : "") << buf;
    }
    std::snprintf(buf, sizeof buf, " %02x", frame[i]);
    out << buf;
  }
  out << "\n";
}

// Request then response on one TCP stream to port 9092; returns tshark's verbose text.
template <typename Request, typename Response>
std::string dissect(const Request& req, const Response& resp, std::int16_t version) {
  char dir[] = "/tmp/kwire-tshark-XXXXXX";
  REQUIRE(mkdtemp(dir));
  const std::string base = dir;
  {
    std::ofstream hex(base + "/frames.txt");
    hex_packet(hex, 'I', kwire::test::request_body(req, version, kCorrelation, "kwire-tshark"));
    hex_packet(hex, 'O', response_body(resp, Request::api_key, version));
  }
  const std::string cmd = "text2pcap -q -D -T 50000,9092 " + base + "/frames.txt " + base + "/frames.pcap && " +
                          "tshark -r " + base + "/frames.pcap -d tcp.port==9092,kafka -V -o tcp.desegment_tcp_streams:TRUE > " +
                          base + "/out.txt 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::ifstream in(base + "/out.txt");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  std::system(("rm -rf " + base).c_str());
  return text;
}

std::uint32_t crc32c(const std::uint8_t* p, std::size_t n) {
  std::uint32_t crc = 0xffffffffu;
  for (std::size_t i = 0; i < n; ++i) {
    crc ^= p[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
  }
  return ~crc;
}

// One uncompressed record batch (magic 2) holding one record, laid out by hand
// from the protocol guide, so the dissector has real records to walk.
std::vector<std::uint8_t> one_record_batch(std::string_view key, std::string_view value) {
  Writer rec;
  rec.i8(0);       // attributes
  rec.varlong(0);  // timestamp delta
  rec.varint(0);   // offset delta
  rec.varint(static_cast<std::int32_t>(key.size()));
  rec.raw(as_bytes(key));
  rec.varint(static_cast<std::int32_t>(value.size()));
  rec.raw(as_bytes(value));
  rec.varint(0);  // headers
  Writer tail;    // from attributes to the end: what the CRC covers
  tail.i16(0);
  tail.i32(0);                  // last offset delta
  tail.i64(1700000000000);      // base timestamp
  tail.i64(1700000000000);      // max timestamp
  tail.i64(-1);
  tail.i16(-1);
  tail.i32(-1);
  tail.i32(1);  // record count
  tail.varint(static_cast<std::int32_t>(rec.owned().size()));
  tail.raw(rec.owned());
  Writer batch;
  batch.i64(0);
  batch.i32(static_cast<std::int32_t>(4 + 1 + 4 + tail.owned().size()));
  batch.i32(-1);
  batch.i8(2);
  batch.u32(crc32c(tail.owned().data(), tail.owned().size()));
  batch.raw(tail.owned());
  return batch.release();
}

void check_clean(const std::string& text) {
  INFO(text);
  CHECK(text.find("Malformed") == std::string::npos);
  CHECK(text.find("Unsupported") == std::string::npos);
  CHECK(text.find("Request missing") == std::string::npos);
  CHECK(text.find("Error/") == std::string::npos);
}

void expect(const std::string& text, const std::string& line) {
  INFO(text);
  CHECK(text.find(line) != std::string::npos);
}

}  // namespace

TEST_CASE("tshark decodes our ApiVersions, Metadata, Produce, Fetch, InitProducerId, FindCoordinator",
          "[protocol][tshark]") {
  if (!have_tshark()) {
    WARN("tshark/text2pcap not installed: skipped");
    return;
  }

  SECTION("ApiVersions v3") {
    ApiVersionsRequest req;
    req.client_software_name = "kwire-sw";
    req.client_software_version = "9.8.7";
    ApiVersionsResponse resp;
    auto& k = resp.api_keys.emplace_back();
    k.api_key = 0;
    k.min_version = 3;
    k.max_version = 8;
    resp.throttle_time_ms = 17;
    auto text = dissect(req, resp, 3);
    check_clean(text);
    expect(text, "kwire-sw");
    expect(text, "9.8.7");
    expect(text, "Produce");
    expect(text, "17");
  }

  SECTION("Metadata v9") {
    MetadataRequest req;
    req.topics.emplace().emplace_back().name = "orders";
    MetadataResponse resp;
    auto& b = resp.brokers.emplace_back();
    b.node_id = 7;
    b.host = "broker-seven";
    b.port = 9093;
    resp.cluster_id = "cluster-x";
    resp.controller_id = 7;
    auto& t = resp.topics.emplace_back();
    t.name = "orders";
    auto& p = t.partitions.emplace_back();
    p.partition_index = 3;
    p.leader_id = 7;
    p.replica_nodes = {7};
    p.isr_nodes = {7};
    auto text = dissect(req, resp, 9);
    check_clean(text);
    expect(text, "orders");
    expect(text, "broker-seven");
    expect(text, "9093");
    expect(text, "cluster-x");
  }

  SECTION("Produce v8") {
    ProduceRequest req;
    req.transactional_id = "txn-kwire";
    req.acks = -1;
    req.timeout_ms = 30000;
    auto& t = req.topic_data.emplace_back();
    t.name = "orders";
    auto& p = t.partition_data.emplace_back();
    p.index = 2;
    const auto batch = one_record_batch("key-kwire", "value-kwire");
    p.records = Bytes(batch);
    ProduceResponse resp;
    auto& rt = resp.responses.emplace_back();
    rt.name = "orders";
    auto& rp = rt.partition_responses.emplace_back();
    rp.index = 2;
    rp.base_offset = 4242;
    auto text = dissect(req, resp, 8);
    check_clean(text);
    expect(text, "txn-kwire");
    expect(text, "30000");
    expect(text, "orders");
    expect(text, "4242");
    expect(text, "value-kwire");
  }

  SECTION("Fetch v11") {
    FetchRequest req;
    req.max_wait_ms = 500;
    req.min_bytes = 1;
    req.max_bytes = 1048576;
    req.isolation_level = 1;
    auto& t = req.topics.emplace_back();
    t.topic = "orders";
    auto& p = t.partitions.emplace_back();
    p.partition = 5;
    p.fetch_offset = 123456;
    p.partition_max_bytes = 65536;
    FetchResponse resp;
    auto& rt = resp.responses.emplace_back();
    rt.topic = "orders";
    auto& rp = rt.partitions.emplace_back();
    rp.partition_index = 5;
    rp.high_watermark = 777777;
    const auto batch = one_record_batch("fetched-key", "fetched-value");
    rp.records = Bytes(batch);
    auto text = dissect(req, resp, 11);
    check_clean(text);
    expect(text, "orders");
    expect(text, "123456");
    expect(text, "777777");
    expect(text, "fetched-value");
  }

  SECTION("InitProducerId v3") {
    InitProducerIdRequest req;
    req.transactional_id = "txn-kwire";
    req.transaction_timeout_ms = 61000;
    InitProducerIdResponse resp;
    resp.producer_id = 900001;
    resp.producer_epoch = 3;
    auto text = dissect(req, resp, 3);
    check_clean(text);
    expect(text, "txn-kwire");
    expect(text, "61000");
    expect(text, "900001");
  }

  SECTION("FindCoordinator v3") {
    FindCoordinatorRequest req;
    req.key = "group-kwire";
    req.key_type = 0;
    FindCoordinatorResponse resp;
    resp.node_id = 4;
    resp.host = "coordinator-host";
    resp.port = 9094;
    auto text = dissect(req, resp, 3);
    check_clean(text);
    expect(text, "group-kwire");
    expect(text, "coordinator-host");
    expect(text, "9094");
  }
}
