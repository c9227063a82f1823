// The TxnBroker's Kafka rules seen at the wire, for what librdkafka never
// triggers on its own (the validation with librdkafka is txn_broker_test.cpp):
// sequence gaps, stale and new epochs, transactional writes to partitions not
// added, fenced coordinator calls, and the newest request versions (Produce
// v9, Fetch v12, ListOffsets v7, flexible transaction APIs). Expected codes
// are Kafka's (protocol.html, error-codes.tsv), not read from the broker.
#include <catch2/catch.hpp>

#include "kwire/protocol/messages/add_partitions_to_txn_request.hpp"
#include "kwire/protocol/messages/add_partitions_to_txn_response.hpp"
#include "kwire/protocol/messages/end_txn_request.hpp"
#include "kwire/protocol/messages/end_txn_response.hpp"
#include "kwire/protocol/messages/fetch_request.hpp"
#include "kwire/protocol/messages/fetch_response.hpp"
#include "kwire/protocol/messages/list_offsets_request.hpp"
#include "kwire/protocol/messages/list_offsets_response.hpp"
#include "raw_client.hpp"
#include "txn_broker.hpp"
#include "txn_wire.hpp"

namespace {

namespace msg = kwire::protocol::messages;
using kwire::test::RawClient;
using kwire::test::TxnBroker;
using kwire::test::wire::batch;
using kwire::test::wire::call;
using kwire::test::wire::init_pid;
using kwire::test::wire::produce;

constexpr std::int16_t kOutOfOrderSequence = 45, kInvalidProducerEpoch = 47, kInvalidTxnState = 48,
                       kProducerFenced = 90;

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
