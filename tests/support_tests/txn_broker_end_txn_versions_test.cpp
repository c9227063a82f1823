// The TxnBroker speaks both EndTxn behaviours, seen at the wire with
// generated messages: v4 leaves the producer epoch alone, v5 (KIP-890 part 2,
// "transactions v2") moves it at every transaction end, answers the new id
// and epoch, writes the markers with the new epoch, fences the old one and
// recognises a retry under the old one. Also: advertised ranges follow
// TxnBrokerOptions::advertise. Expected codes are Kafka's (error-codes.tsv).
#include <catch2/catch.hpp>

#include "kwire/protocol/api_table.hpp"
#include "kwire/protocol/messages/add_partitions_to_txn_request.hpp"
#include "kwire/protocol/messages/add_partitions_to_txn_response.hpp"
#include "kwire/protocol/messages/api_versions_request.hpp"
#include "kwire/protocol/messages/api_versions_response.hpp"
#include "kwire/protocol/messages/end_txn_request.hpp"
#include "kwire/protocol/messages/end_txn_response.hpp"
#include "kwire/protocol/messages/init_producer_id_request.hpp"
#include "kwire/protocol/messages/init_producer_id_response.hpp"
#include "kwire/protocol/messages/request_header.hpp"
#include "kwire/protocol/messages/response_header.hpp"
#include "kwire/protocol/wire/reader.hpp"
#include "kwire/protocol/wire/writer.hpp"
#include "raw_client.hpp"
#include "txn_broker.hpp"

namespace {

namespace msg = kwire::protocol::messages;
using kwire::test::RawClient;
using kwire::test::TxnBroker;

constexpr std::int16_t kEndTxn = 26;
constexpr std::int16_t kInvalidTxnState = 48, kProducerFenced = 90;

void send(RawClient& client, const auto& req, std::int16_t version, std::int32_t correlation) {
  using Request = std::remove_cvref_t<decltype(req)>;
  kwire::protocol::Writer w;
  msg::RequestHeader header;
  header.request_api_key = Request::api_key;
  header.request_api_version = version;
  header.correlation_id = correlation;
  header.client_id = "end-txn-versions";
  header.encode(w, kwire::protocol::request_header_version(Request::api_key, version));
  req.encode(w, version);
  client.send_frame(w.release());
}

// One exchange at `version`; the response must decode exactly.
template <typename Response, typename Request>
Response call(RawClient& client, const Request& req, std::int16_t version) {
  static std::int32_t correlation = 0;
  send(client, req, version, ++correlation);
  auto frame = client.recv_frame();
  kwire::protocol::Reader r(frame);
  msg::ResponseHeader rh;
  REQUIRE_FALSE(rh.decode(r, kwire::protocol::response_header_version(Request::api_key, version)));
  REQUIRE(rh.correlation_id == correlation);
  Response resp;
  REQUIRE_FALSE(resp.decode(r, version));
  REQUIRE(r.remaining() == 0);
  return resp;
}

struct Session {
  std::int64_t producer_id = -1;
  std::int16_t epoch = -1;
};

Session init(RawClient& c, const std::string& txn_id) {
  msg::InitProducerIdRequest req;
  req.transactional_id = txn_id;
  req.transaction_timeout_ms = 60000;
  auto resp = call<msg::InitProducerIdResponse>(c, req, 4);
  REQUIRE(resp.error_code == 0);
  return {resp.producer_id, resp.producer_epoch};
}

std::int16_t add_partition(RawClient& c, const std::string& txn_id, Session s, const std::string& topic) {
  msg::AddPartitionsToTxnRequest req;
  req.v3_and_below_transactional_id = txn_id;
  req.v3_and_below_producer_id = s.producer_id;
  req.v3_and_below_producer_epoch = s.epoch;
  msg::AddPartitionsToTxnRequest::AddPartitionsToTxnTopic t;
  t.name = topic;
  t.partitions = {0};
  req.v3_and_below_topics.push_back(t);
  auto resp = call<msg::AddPartitionsToTxnResponse>(c, req, 3);
  REQUIRE(resp.results_by_topic_v3_and_below.size() == 1);
  REQUIRE(resp.results_by_topic_v3_and_below[0].results_by_partition.size() == 1);
  return resp.results_by_topic_v3_and_below[0].results_by_partition[0].partition_error_code;
}

msg::EndTxnResponse end_txn(RawClient& c, const std::string& txn_id, Session s, bool commit, std::int16_t version) {
  msg::EndTxnRequest req;
  req.transactional_id = txn_id;
  req.producer_id = s.producer_id;
  req.producer_epoch = s.epoch;
  req.committed = commit;
  return call<msg::EndTxnResponse>(c, req, version);
}

// The producer epoch of the newest batch in the partition (a marker here),
// read from the v2 batch header: offset 8+4+4+1+4+2+4+8+8+8 = 51.
std::int16_t last_batch_epoch(const TxnBroker& broker, const std::string& topic) {
  auto batches = broker.batches(topic, 0);
  REQUIRE(!batches.empty());
  const auto& b = batches.back();
  REQUIRE(b.size() >= 53);
  return static_cast<std::int16_t>((b[51] << 8) | b[52]);
}

}  // namespace

TEST_CASE("txn_broker: EndTxn v4 keeps the epoch, v5 moves it at every transaction end (KIP-890 part 2)",
          "[txn_broker][versions]") {
  kwire::test::TxnBrokerOptions options;
  options.advertise = {{kEndTxn, 0, 5}};
  TxnBroker broker(options);
  broker.create_topic("t", 1);
  RawClient c("127.0.0.1", broker.port());
  const std::string id = "tx-versions";
  Session s = init(c, id);
  REQUIRE(s.epoch == 0);

  // v4: the epoch stays; the same epoch opens the next transaction.
  REQUIRE(add_partition(c, id, s, "t") == 0);
  auto v4 = end_txn(c, id, s, true, 4);
  CHECK(v4.error_code == 0);
  CHECK(broker.transactional_producer(id)->epoch == 0);
  CHECK(last_batch_epoch(broker, "t") == 0);
  REQUIRE(add_partition(c, id, s, "t") == 0);

  // v5: the answer carries the next epoch, the marker is written with it.
  auto v5 = end_txn(c, id, s, true, 5);
  REQUIRE(v5.error_code == 0);
  CHECK(v5.producer_id == s.producer_id);
  CHECK(v5.producer_epoch == 1);
  CHECK(broker.transactional_producer(id)->epoch == 1);
  CHECK(last_batch_epoch(broker, "t") == 1);
  CHECK(broker.control_batches("t", 0) == 2);

  // A client that keeps the old epoch is fenced: the failure issue 16 saw.
  CHECK(add_partition(c, id, s, "t") == kProducerFenced);
  const Session next{v5.producer_id, v5.producer_epoch};
  REQUIRE(add_partition(c, id, next, "t") == 0);

  // An abort moves the epoch too; its answer lost, a retry under the old
  // epoch gets the same outcome and the current epoch, a changed mind does not.
  auto aborted = end_txn(c, id, next, false, 5);
  REQUIRE(aborted.error_code == 0);
  CHECK(aborted.producer_epoch == 2);
  auto retried = end_txn(c, id, next, false, 5);
  CHECK(retried.error_code == 0);
  CHECK(retried.producer_epoch == 2);
  CHECK(end_txn(c, id, next, true, 5).error_code == kInvalidTxnState);
  CHECK(broker.control_batches("t", 0) == 3);

  // Nothing open: a commit is refused, an abort only moves the epoch.
  const Session third{aborted.producer_id, aborted.producer_epoch};
  CHECK(end_txn(c, id, third, true, 5).error_code == kInvalidTxnState);
  auto empty_abort = end_txn(c, id, third, false, 5);
  CHECK(empty_abort.error_code == 0);
  CHECK(empty_abort.producer_epoch == 3);
  CHECK(broker.control_batches("t", 0) == 3);
}

TEST_CASE("txn_broker: advertised ranges follow the options, within what the broker answers",
          "[txn_broker][versions]") {
  auto end_txn_range = [](const TxnBroker& broker) {
    RawClient c("127.0.0.1", broker.port());
    auto resp = call<msg::ApiVersionsResponse>(c, msg::ApiVersionsRequest{}, 3);
    REQUIRE(resp.error_code == 0);
    for (const auto& api : resp.api_keys)
      if (api.api_key == kEndTxn) return std::pair<int, int>(api.min_version, api.max_version);
    FAIL("EndTxn not advertised");
    return std::pair<int, int>(-1, -1);
  };
  CHECK(end_txn_range(TxnBroker()) == std::pair(0, 3));
  kwire::test::TxnBrokerOptions wide;
  wide.advertise = {{kEndTxn, 0, 100}};
  CHECK(end_txn_range(TxnBroker(wide)) == std::pair(0, 5));

  kwire::test::TxnBrokerOptions exact;
  exact.advertise = {{kEndTxn, 4, 4}};
  TxnBroker broker(exact);
  CHECK(end_txn_range(broker) == std::pair(4, 4));
  // A version outside the advertised range closes the connection.
  RawClient c("127.0.0.1", broker.port());
  Session s = init(c, "tx-exact");
  msg::EndTxnRequest req;
  req.transactional_id = "tx-exact";
  req.producer_id = s.producer_id;
  req.producer_epoch = s.epoch;
  send(c, req, 3, 99);
  CHECK(c.peer_closed());
}
