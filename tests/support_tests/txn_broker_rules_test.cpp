// The TxnBroker's Kafka rules seen at the wire, for what librdkafka never
// triggers on its own (the validation with librdkafka is txn_broker_test.cpp):
// sequence gaps, stale and new epochs, transactional writes to partitions not
// added, fenced coordinator calls, and the newest request versions (Produce
// v9, Fetch v12, ListOffsets v7, flexible transaction APIs). Expected codes
// are Kafka's (protocol.html, error-codes.tsv), not read from the broker.
#include <catch2/catch.hpp>

#include "kwire/protocol/api_table.hpp"
#include "kwire/protocol/messages/add_partitions_to_txn_request.hpp"
#include "kwire/protocol/messages/add_partitions_to_txn_response.hpp"
#include "kwire/protocol/messages/end_txn_request.hpp"
#include "kwire/protocol/messages/end_txn_response.hpp"
#include "kwire/protocol/messages/fetch_request.hpp"
#include "kwire/protocol/messages/fetch_response.hpp"
#include "kwire/protocol/messages/init_producer_id_request.hpp"
#include "kwire/protocol/messages/init_producer_id_response.hpp"
#include "kwire/protocol/messages/list_offsets_request.hpp"
#include "kwire/protocol/messages/list_offsets_response.hpp"
#include "kwire/protocol/messages/produce_request.hpp"
#include "kwire/protocol/messages/produce_response.hpp"
#include "kwire/protocol/messages/request_header.hpp"
#include "kwire/protocol/messages/response_header.hpp"
#include "kwire/protocol/records/batch_builder.hpp"
#include "kwire/protocol/wire/reader.hpp"
#include "kwire/protocol/wire/writer.hpp"
#include "raw_client.hpp"
#include "txn_broker.hpp"

namespace {

namespace msg = kwire::protocol::messages;
using kwire::test::RawClient;
using kwire::test::TxnBroker;

constexpr std::int16_t kOutOfOrderSequence = 45, kInvalidProducerEpoch = 47, kInvalidTxnState = 48,
                       kProducerFenced = 90;

// One request/response exchange with generated messages at `version`.
template <typename Response, typename Request>
Response call(RawClient& client, const Request& req, std::int16_t version) {
  static std::int32_t correlation = 0;
  kwire::protocol::Writer w;
  msg::RequestHeader header;
  header.request_api_key = Request::api_key;
  header.request_api_version = version;
  header.correlation_id = ++correlation;
  header.client_id = "txb-rules";
  header.encode(w, kwire::protocol::request_header_version(Request::api_key, version));
  req.encode(w, version);
  client.send_frame(w.release());
  auto frame = client.recv_frame();
  kwire::protocol::Reader r(frame);
  msg::ResponseHeader rh;
  REQUIRE_FALSE(rh.decode(r, kwire::protocol::response_header_version(Request::api_key, version)));
  REQUIRE(rh.correlation_id == correlation);
  Response resp;
  REQUIRE_FALSE(resp.decode(r, version));
  return resp;
}

std::vector<std::uint8_t> batch(std::int64_t pid, std::int16_t epoch, std::int32_t seq, int records,
                                bool transactional) {
  kwire::protocol::records::BatchBuilder b({}, SIZE_MAX, 1000);
  for (int i = 0; i < records; ++i) {
    std::string v = "v" + std::to_string(seq + i);
    REQUIRE(b.append(1000, std::nullopt, kwire::protocol::as_bytes(v)));
  }
  b.set_producer_state(pid, epoch, seq, transactional);
  REQUIRE_FALSE(b.close().empty());
  return b.take_buffer();
}

struct ProduceOutcome {
  std::int16_t error;
  std::int64_t base_offset;
};

ProduceOutcome produce(RawClient& c, const std::string& topic, const std::vector<std::uint8_t>& records,
                       const std::optional<std::string>& transactional_id = std::nullopt) {
  msg::ProduceRequest req;
  req.transactional_id = transactional_id;
  req.acks = -1;
  req.timeout_ms = 5000;
  msg::ProduceRequest::TopicProduceData t;
  t.name = topic;
  msg::ProduceRequest::TopicProduceData::PartitionProduceData p;
  p.index = 0;
  p.records = kwire::protocol::Bytes(records);
  t.partition_data.push_back(p);
  req.topic_data.push_back(t);
  auto resp = call<msg::ProduceResponse>(c, req, 9);
  REQUIRE(resp.responses.size() == 1);
  REQUIRE(resp.responses[0].partition_responses.size() == 1);
  const auto& pr = resp.responses[0].partition_responses[0];
  return {pr.error_code, pr.base_offset};
}

msg::InitProducerIdResponse init_pid(RawClient& c, std::optional<std::string> txn_id, std::int64_t pid = -1,
                                     std::int16_t epoch = -1) {
  msg::InitProducerIdRequest req;
  req.transactional_id = std::move(txn_id);
  req.transaction_timeout_ms = 60000;
  req.producer_id = pid;
  req.producer_epoch = epoch;
  return call<msg::InitProducerIdResponse>(c, req, 4);
}

}  // namespace

TEST_CASE("TxnBroker rules: idempotent sequences and epochs (Produce v9)", "[txn_broker]") {
  TxnBroker broker;
  broker.create_topic("rules-idem", 1);
  RawClient c("127.0.0.1", broker.port());
  auto id = init_pid(c, std::nullopt);
  REQUIRE(id.error_code == 0);
  const auto pid = id.producer_id;

  CHECK(produce(c, "rules-idem", batch(pid, 0, 0, 3, false)).base_offset == 0);
  // A resend of the last batch: success with its first offset, nothing written.
  auto dup = produce(c, "rules-idem", batch(pid, 0, 0, 3, false));
  CHECK(dup.error == 0);
  CHECK(dup.base_offset == 0);
  CHECK(broker.high_watermark("rules-idem", 0) == 3);
  // A gap: sequence 5 when 3 is expected.
  CHECK(produce(c, "rules-idem", batch(pid, 0, 5, 1, false)).error == kOutOfOrderSequence);
  CHECK(produce(c, "rules-idem", batch(pid, 0, 3, 2, false)).base_offset == 3);

  // KIP-360 epoch bump: the old epoch is refused, the new one starts at 0.
  auto bumped = init_pid(c, std::nullopt, pid, 0);
  REQUIRE(bumped.error_code == 0);
  CHECK(bumped.producer_id == pid);
  CHECK(bumped.producer_epoch == 1);
  CHECK(produce(c, "rules-idem", batch(pid, 1, 0, 1, false)).base_offset == 5);
  CHECK(produce(c, "rules-idem", batch(pid, 0, 5, 1, false)).error == kInvalidProducerEpoch);
  CHECK(broker.high_watermark("rules-idem", 0) == 6);
  CHECK(broker.produce_errors_seen(kOutOfOrderSequence) == 1);
  CHECK(broker.duplicate_batches_seen() == 1);
}

TEST_CASE("TxnBroker rules: transactional writes, markers, LSO and fencing at the wire", "[txn_broker]") {
  TxnBroker broker;
  const std::string topic = "rules-txn", txn_id = "rules-txn-id";
  broker.create_topic(topic, 1);
  RawClient c("127.0.0.1", broker.port());
  auto id = init_pid(c, txn_id);
  REQUIRE(id.error_code == 0);
  const auto pid = id.producer_id;
  const auto epoch = id.producer_epoch;

  // Not added to the transaction yet.
  CHECK(produce(c, topic, batch(pid, epoch, 0, 2, true), txn_id).error == kInvalidTxnState);

  msg::AddPartitionsToTxnRequest add;
  add.v3_and_below_transactional_id = txn_id;
  add.v3_and_below_producer_id = pid;
  add.v3_and_below_producer_epoch = epoch;
  msg::AddPartitionsToTxnRequest::AddPartitionsToTxnTopic at;
  at.name = topic;
  at.partitions = {0};
  add.v3_and_below_topics.push_back(at);
  auto added = call<msg::AddPartitionsToTxnResponse>(c, add, 3);
  REQUIRE(added.results_by_topic_v3_and_below.size() == 1);
  CHECK(added.results_by_topic_v3_and_below[0].results_by_partition.at(0).partition_error_code == 0);

  CHECK(produce(c, topic, batch(pid, epoch, 0, 2, true), txn_id).base_offset == 0);
  CHECK(broker.last_stable_offset(topic, 0) == 0);

  msg::ListOffsetsRequest lo;
  lo.replica_id = -1;
  lo.isolation_level = 1;
  msg::ListOffsetsRequest::ListOffsetsTopic lt;
  lt.name = topic;
  msg::ListOffsetsRequest::ListOffsetsTopic::ListOffsetsPartition lp;
  lp.partition_index = 0;
  lp.timestamp = -1;
  lt.partitions.push_back(lp);
  lo.topics.push_back(lt);
  CHECK(call<msg::ListOffsetsResponse>(c, lo, 7).topics.at(0).partitions.at(0).offset == 0);  // the LSO
  lo.isolation_level = 0;
  CHECK(call<msg::ListOffsetsResponse>(c, lo, 7).topics.at(0).partitions.at(0).offset == 2);  // the HW

  // A new instance takes the id: the open transaction is aborted with an
  // ABORT marker of the new epoch, and the old epoch is fenced everywhere.
  auto next = init_pid(c, txn_id);
  REQUIRE(next.error_code == 0);
  CHECK(next.producer_epoch == epoch + 1);
  CHECK(broker.control_batches(topic, 0) == 1);
  CHECK(broker.last_stable_offset(topic, 0) == 3);
  CHECK(produce(c, topic, batch(pid, epoch, 2, 1, true), txn_id).error == kInvalidProducerEpoch);
  msg::EndTxnRequest end;
  end.transactional_id = txn_id;
  end.producer_id = pid;
  end.producer_epoch = epoch;
  end.committed = true;
  CHECK(call<msg::EndTxnResponse>(c, end, 3).error_code == kProducerFenced);

  // read_committed Fetch v12 lists the aborted transaction; read_uncommitted does not.
  msg::FetchRequest f;
  f.replica_id = -1;
  f.max_wait_ms = 0;
  f.isolation_level = 1;
  msg::FetchRequest::FetchTopic ft;
  ft.topic = topic;
  msg::FetchRequest::FetchTopic::FetchPartition fp;
  fp.partition = 0;
  fp.fetch_offset = 0;
  fp.partition_max_bytes = 1 << 20;
  ft.partitions.push_back(fp);
  f.topics.push_back(ft);
  auto fetched = call<msg::FetchResponse>(c, f, 12);
  const auto& pd = fetched.responses.at(0).partitions.at(0);
  CHECK(pd.high_watermark == 3);
  CHECK(pd.last_stable_offset == 3);
  REQUIRE(pd.aborted_transactions);
  REQUIRE(pd.aborted_transactions->size() == 1);
  CHECK((*pd.aborted_transactions)[0].producer_id == pid);
  CHECK((*pd.aborted_transactions)[0].first_offset == 0);
  f.isolation_level = 0;
  auto uncommitted = call<msg::FetchResponse>(c, f, 12);
  CHECK_FALSE(uncommitted.responses.at(0).partitions.at(0).aborted_transactions.has_value());
}
