// The hand-built captures of the `kwire wire check` tests
// (wire_check_test.cpp, wire_check_violations_test.cpp): the frames of a
// short conversation (ApiVersions, Metadata, Produce), a capture checked
// through a temporary file, and what a clean or a one-violation check looks
// like. Header-only: tests/tools/ builds only *_test.cpp files.
#pragma once

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "../protocol/frame_helpers.hpp"
#include "capture_builder.hpp"
#include "kwire/protocol/messages/api_versions_request.hpp"
#include "kwire/protocol/messages/api_versions_response.hpp"
#include "kwire/protocol/messages/metadata_request.hpp"
#include "kwire/protocol/messages/metadata_response.hpp"
#include "kwire/protocol/messages/produce_request.hpp"
#include "kwire/protocol/messages/produce_response.hpp"
#include "kwire/protocol/records/batch_builder.hpp"
#include "txn_wire.hpp"
#include "wire_check_run.hpp"

namespace kwire::test::wire_check {

namespace msg = kwire::protocol::messages;

template <typename Response>
inline ByteVector response_body(const Response& resp, std::int16_t version, std::int32_t correlation) {
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
inline ByteVector request(const Request& req, std::int16_t version, std::int32_t correlation) {
  return sized(kwire::test::request_body(req, version, correlation, "wire-check"));
}

template <typename Response>
inline ByteVector response(const Response& resp, std::int16_t version, std::int32_t correlation) {
  return sized(response_body(resp, version, correlation));
}

inline ByteVector api_versions_answer(std::int16_t produce_max, bool with_init_producer_id, std::int32_t correlation) {
  msg::ApiVersionsResponse resp;
  resp.api_keys.push_back({0, 0, produce_max, {}});
  resp.api_keys.push_back({3, 0, 12, {}});
  resp.api_keys.push_back({10, 0, 6, {}});
  resp.api_keys.push_back({18, 0, 3, {}});
  if (with_init_producer_id) resp.api_keys.push_back({22, 0, 5, {}});
  return response(resp, 3, correlation);
}

inline msg::MetadataRequest metadata_request() {
  msg::MetadataRequest req;
  req.topics.emplace();
  msg::MetadataRequest::MetadataRequestTopic t;
  t.name = "events";
  req.topics->push_back(t);
  req.allow_auto_topic_creation = true;
  return req;
}

inline ByteVector one_batch() {
  kwire::protocol::records::BatchBuilder b({}, SIZE_MAX, 1700000000000);
  const std::string value = "hello";
  REQUIRE(b.append(1700000000000, std::nullopt, kwire::protocol::as_bytes(value)));
  REQUIRE_FALSE(b.close().empty());
  return b.take_buffer();
}

// A Produce of `records` to partition 0 of "events" (acks=all).
inline msg::ProduceRequest produce_request(const ByteVector& records) {
  return kwire::test::wire::produce_request("events", 0, records);
}

// ApiVersions v3, Metadata v9 and Produce v9, each request answered: six conforming frames.
inline void conversation(CaptureBuilder& c, const ByteVector& records, std::size_t mss = 1400) {
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

inline CheckRun check(const ByteVector& capture, const std::vector<std::string>& extra = {}) {
  char path[] = "/tmp/kwire-wire-check-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  CaptureBuilder::write(path, capture);
  CheckRun out = kwire::test::check_capture_file(path, extra);
  std::remove(path);
  return out;
}

inline std::int64_t summary(const CheckRun& r, const char* key) {
  const Json* v = r.summary.find(key);
  REQUIRE(v != nullptr);
  return v->as_int();
}

// The one violation the capture must hold.
inline const Json& only_violation(const CheckRun& r, const std::string& kind) {
  INFO("violations: " << summary(r, "violations"));
  for (const auto& [line, v] : r.violations) INFO(v->dump(0));
  REQUIRE(r.violations.size() == 1);
  CHECK(r.violations[0].second->find("kind")->as_string() == kind);
  CHECK(r.exit_code == 1);
  return *r.violations[0].second;
}

inline void expect_clean(const CheckRun& r, std::int64_t frames) {
  for (const auto& [line, v] : r.violations) INFO(v->dump(0));
  CHECK(r.exit_code == 0);
  CHECK(summary(r, "frames") == frames);
  CHECK(summary(r, "decoded") == frames);
  CHECK(summary(r, "identical") == frames);
  CHECK(summary(r, "violations") == 0);
}

}  // namespace kwire::test::wire_check
