// Requests built with kwire's generated messages, sent over a RawClient, for
// tests that judge the TxnBroker at the wire (what a broker answers, without
// kwire's producer in between): one call<Response>(request, version)
// exchange, a record batch with chosen producer id/epoch/sequence, a
// one-partition Produce, InitProducerId. Tests only; blocking; the thread
// that owns the RawClient.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kwire/protocol/api_table.hpp"
#include "kwire/protocol/messages/init_producer_id_request.hpp"
#include "kwire/protocol/messages/init_producer_id_response.hpp"
#include "kwire/protocol/messages/produce_request.hpp"
#include "kwire/protocol/messages/produce_response.hpp"
#include "kwire/protocol/messages/request_header.hpp"
#include "kwire/protocol/messages/response_header.hpp"
#include "kwire/protocol/records/batch_builder.hpp"
#include "kwire/protocol/wire/reader.hpp"
#include "kwire/protocol/wire/writer.hpp"
#include "raw_client.hpp"

namespace kwire::test::wire {

namespace msg = kwire::protocol::messages;

// Writes one request frame (header at the version's header version).
template <typename Request>
std::int32_t send_request(RawClient& client, const Request& req, std::int16_t version) {
  static std::int32_t correlation = 0;
  kwire::protocol::Writer w;
  msg::RequestHeader header;
  header.request_api_key = Request::api_key;
  header.request_api_version = version;
  header.correlation_id = ++correlation;
  header.client_id = "txn-wire";
  header.encode(w, kwire::protocol::request_header_version(Request::api_key, version));
  req.encode(w, version);
  client.send_frame(w.release());
  return correlation;
}

// Reads and decodes the response to the request with this correlation id.
template <typename Response>
Response receive_response(RawClient& client, std::int32_t correlation, std::int16_t version) {
  auto frame = client.recv_frame();
  kwire::protocol::Reader r(frame);
  msg::ResponseHeader rh;
  REQUIRE_FALSE(rh.decode(r, kwire::protocol::response_header_version(Response::api_key, version)));
  REQUIRE(rh.correlation_id == correlation);
  Response resp;
  REQUIRE_FALSE(resp.decode(r, version));
  return resp;
}

template <typename Response, typename Request>
Response call(RawClient& client, const Request& req, std::int16_t version) {
  return receive_response<Response>(client, send_request(client, req, version), version);
}

// A finished batch of `records` records ("v<seq>") stamped with the producer state.
inline std::vector<std::uint8_t> batch(std::int64_t pid, std::int16_t epoch, std::int32_t seq, int records,
                                       bool transactional = false) {
  kwire::protocol::records::BatchBuilder b({}, SIZE_MAX, 1000);
  for (int i = 0; i < records; ++i) {
    std::string v = "v" + std::to_string(seq + i);
    REQUIRE(b.append(1000, std::nullopt, kwire::protocol::as_bytes(v)));
  }
  b.set_producer_state(pid, epoch, seq, transactional);
  REQUIRE_FALSE(b.close().empty());
  return b.take_buffer();
}

// A Produce v9 (acks=all) of one partition's records.
inline msg::ProduceRequest produce_request(const std::string& topic, std::int32_t partition,
                                           const std::vector<std::uint8_t>& records,
                                           const std::optional<std::string>& transactional_id = std::nullopt) {
  msg::ProduceRequest req;
  req.transactional_id = transactional_id;
  req.acks = -1;
  req.timeout_ms = 5000;
  msg::ProduceRequest::TopicProduceData t;
  t.name = topic;
  msg::ProduceRequest::TopicProduceData::PartitionProduceData p;
  p.index = partition;
  p.records = kwire::protocol::Bytes(records);
  t.partition_data.push_back(p);
  req.topic_data.push_back(t);
  return req;
}

struct ProduceOutcome {
  std::int16_t error;
  std::int64_t base_offset;
};

inline ProduceOutcome produce(RawClient& c, const std::string& topic, const std::vector<std::uint8_t>& records,
                              const std::optional<std::string>& transactional_id = std::nullopt,
                              std::int32_t partition = 0) {
  auto resp = call<msg::ProduceResponse>(c, produce_request(topic, partition, records, transactional_id), 9);
  REQUIRE(resp.responses.size() == 1);
  REQUIRE(resp.responses[0].partition_responses.size() == 1);
  const auto& pr = resp.responses[0].partition_responses[0];
  return {pr.error_code, pr.base_offset};
}

inline msg::InitProducerIdResponse init_pid(RawClient& c, std::optional<std::string> txn_id, std::int64_t pid = -1,
                                            std::int16_t epoch = -1) {
  msg::InitProducerIdRequest req;
  req.transactional_id = std::move(txn_id);
  req.transaction_timeout_ms = 60000;
  req.producer_id = pid;
  req.producer_epoch = epoch;
  return call<msg::InitProducerIdResponse>(c, req, 4);
}

}  // namespace kwire::test::wire
