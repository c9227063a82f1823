// The TxnBroker judges idempotent and transactional batches by Kafka's
// producer-state rules (../shared/KAFKA-PRODUCER-STATE.md, read from
// ProducerAppendInfo/ProducerStateEntry), one test per rule, at the wire
// with generated messages: the fault suite's verdicts are only worth what
// this broker's rules are. Expected codes are Kafka's (error-codes.tsv).
#include <catch2/catch.hpp>

#include <climits>

#include "kwire/protocol/messages/add_partitions_to_txn_request.hpp"
#include "kwire/protocol/messages/add_partitions_to_txn_response.hpp"
#include "kwire/protocol/messages/end_txn_request.hpp"
#include "kwire/protocol/messages/end_txn_response.hpp"
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

constexpr std::int16_t kOutOfOrderSequence = 45, kInvalidProducerEpoch = 47;

struct Fixture {
  explicit Fixture(int partitions = 1) { broker.create_topic("ps", partitions); }
  std::int64_t new_producer() {
    auto id = init_pid(client, std::nullopt);
    REQUIRE(id.error_code == 0);
    return id.producer_id;
  }
  kwire::test::wire::ProduceOutcome send(std::int64_t pid, std::int16_t epoch, std::int32_t seq, int records,
                                         std::int32_t partition = 0) {
    return produce(client, "ps", batch(pid, epoch, seq, records), std::nullopt, partition);
  }
  TxnBroker broker;
  RawClient client{"127.0.0.1", broker.port()};
};

}  // namespace

TEST_CASE("producer state: any first sequence is accepted from a producer the partition holds no state for",
          "[txn_broker][producer_state]") {
  Fixture f;
  const auto pid = f.new_producer();
  // The trace: 0-59 refused (retriable), 60-119 arrives first and
  // becomes the partition's first batch; the retry of 0-59 is then a gap.
  auto later = f.send(pid, 0, 60, 60);
  CHECK(later.error == 0);
  CHECK(later.base_offset == 0);
  CHECK(f.send(pid, 0, 0, 60).error == kOutOfOrderSequence);
  CHECK(f.send(pid, 0, 120, 10).base_offset == 60);
  CHECK(f.broker.high_watermark("ps", 0) == 70);
}

TEST_CASE("producer state: a retry is recognised among the last 5 batches only", "[txn_broker][producer_state]") {
  Fixture f;
  const auto pid = f.new_producer();
  for (int b = 0; b < 7; ++b) REQUIRE(f.send(pid, 0, 2 * b, 2).base_offset == 2 * b);
  // The last five batches start at sequences 4..12: a resend of 4 answers its offset.
  auto dup = f.send(pid, 0, 4, 2);
  CHECK(dup.error == 0);
  CHECK(dup.base_offset == 4);
  // Sequence 2 is the sixth newest: no longer recognised, so it is out of order.
  CHECK(f.send(pid, 0, 2, 2).error == kOutOfOrderSequence);
  CHECK(f.broker.high_watermark("ps", 0) == 14);
  CHECK(f.broker.duplicate_batches_seen() == 1);
}

TEST_CASE("producer state: sequences are kept per partition", "[txn_broker][producer_state]") {
  Fixture f(2);
  const auto pid = f.new_producer();
  REQUIRE(f.send(pid, 0, 0, 10, 0).error == 0);
  // Partition 1 has no state for the producer: 500 is as good a start as any.
  CHECK(f.send(pid, 0, 500, 5, 1).base_offset == 0);
  CHECK(f.send(pid, 0, 0, 1, 1).error == kOutOfOrderSequence);
  CHECK(f.send(pid, 0, 505, 1, 1).base_offset == 5);
  CHECK(f.send(pid, 0, 10, 1, 0).base_offset == 10);
}

TEST_CASE("producer state: epochs are kept per partition; a newer epoch starts at 0 unless the partition has no state",
          "[txn_broker][producer_state]") {
  Fixture f(3);
  const auto pid = f.new_producer();
  REQUIRE(f.send(pid, 0, 0, 3, 0).error == 0);
  REQUIRE(f.send(pid, 0, 0, 3, 1).error == 0);
  // Partition 0 moves to epoch 1; partition 1 still knows only epoch 0.
  CHECK(f.send(pid, 1, 0, 2, 0).base_offset == 3);
  CHECK(f.send(pid, 0, 3, 1, 1).base_offset == 3);
  // A newer epoch must restart at 0 where the partition holds state...
  CHECK(f.send(pid, 1, 4, 1, 1).error == kOutOfOrderSequence);
  CHECK(f.send(pid, 1, 0, 1, 1).base_offset == 4);
  // ...an older one is refused...
  CHECK(f.send(pid, 0, 3, 1, 0).error == kInvalidProducerEpoch);
  CHECK(f.send(pid, 0, 4, 1, 1).error == kInvalidProducerEpoch);
  // ...and where it holds none, any epoch and sequence start it.
  CHECK(f.send(pid, 3, 7, 2, 2).base_offset == 0);
  CHECK(f.send(pid, 3, 9, 1, 2).base_offset == 2);
}

TEST_CASE("producer state: within an epoch only the next sequence is accepted, wrapping after INT32_MAX",
          "[txn_broker][producer_state]") {
  Fixture f;
  const auto pid = f.new_producer();
  REQUIRE(f.send(pid, 0, INT32_MAX - 1, 2).base_offset == 0);
  CHECK(f.send(pid, 0, 1, 1).error == kOutOfOrderSequence);  // a gap
  CHECK(f.send(pid, 0, 0, 1).base_offset == 2);              // INT32_MAX, then 0
  CHECK(f.send(pid, 0, 1, 3).base_offset == 3);
  CHECK(f.send(pid, 0, 5, 1).error == kOutOfOrderSequence);
  CHECK(f.broker.produce_errors_seen(kOutOfOrderSequence) == 2);
}

TEST_CASE("producer state: a marker older than the partition's epoch is refused and the transaction stays open",
          "[txn_broker][producer_state]") {
  Fixture f;
  const std::string txn_id = "ps-txn";
  auto id = init_pid(f.client, txn_id);
  REQUIRE(id.error_code == 0);
  const auto pid = id.producer_id;
  const auto epoch = id.producer_epoch;

  msg::AddPartitionsToTxnRequest add;
  add.v3_and_below_transactional_id = txn_id;
  add.v3_and_below_producer_id = pid;
  add.v3_and_below_producer_epoch = epoch;
  add.v3_and_below_topics.push_back({"ps", {0}, {}});
  auto added = call<msg::AddPartitionsToTxnResponse>(f.client, add, 3);
  REQUIRE(added.results_by_topic_v3_and_below.at(0).results_by_partition.at(0).partition_error_code == 0);

  // Data at epoch + 1, as a producer that bumped its epoch on its own would
  // send it: the partition has no state for the producer, so it is written.
  auto b = batch(pid, static_cast<std::int16_t>(epoch + 1), 0, 3, true);
  REQUIRE(produce(f.client, "ps", b, txn_id).base_offset == 0);
  CHECK(f.broker.last_stable_offset("ps", 0) == 0);

  // The coordinator still holds `epoch` and commits with it; the partition
  // refuses that marker, so the transaction never ends there.
  msg::EndTxnRequest end;
  end.transactional_id = txn_id;
  end.producer_id = pid;
  end.producer_epoch = epoch;
  end.committed = true;
  CHECK(call<msg::EndTxnResponse>(f.client, end, 3).error_code == 0);
  CHECK(f.broker.control_batches("ps", 0) == 0);
  CHECK(f.broker.fault_counters().stale_markers_refused == 1);
  CHECK(f.broker.last_stable_offset("ps", 0) == 0);
  CHECK(f.broker.high_watermark("ps", 0) == 3);
}
