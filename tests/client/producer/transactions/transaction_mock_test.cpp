// Transactions through the public Producer against librdkafka's mock cluster
// (a peer we did not write: it answers every transactional API, checks the
// producer id and epoch on AddPartitionsToTxn/AddOffsetsToTxn/EndTxn, answers
// NOT_COORDINATOR when a request reaches the wrong broker, and checks
// sequence numbers once a Produce carries a transactional id), with the log
// read back by librdkafka's consumer. The mock writes no commit/abort markers
// and stores no TxnOffsetCommit offsets: read_committed visibility, fencing
// and transactional group offsets are tested against tests/support/txn_broker
// in transaction_broker_test.cpp.
#include <catch2/catch.hpp>

#include <asio/post.hpp>

#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "kwire/producer.hpp"
#include "kwire/protocol/errors.hpp"
#include "mock_cluster.hpp"
#include "producer/producer_impl.hpp"
#include "transaction_test_helpers.hpp"

using namespace std::chrono_literals;
using txn_test::range;
using txn_test::read_ids;
using kwire::test::DeliveryRecorder;
using txn_test::send_numbered;

namespace {

constexpr std::int16_t kProduce = 0;
constexpr std::int16_t kInitProducerId = 22;
constexpr std::int16_t kAddPartitionsToTxn = 24;
constexpr std::int16_t kAddOffsetsToTxn = 25;
constexpr std::int16_t kEndTxn = 26;
constexpr std::int16_t kTxnOffsetCommit = 28;
constexpr std::int16_t kNotCoordinator = 16;
constexpr std::int16_t kCoordinatorNotAvailable = 15;
constexpr std::int16_t kCoordinatorLoadInProgress = 14;
constexpr std::int16_t kConcurrentTransactions = 51;
constexpr std::int16_t kTopicAuthorizationFailed = 29;
constexpr std::int16_t kTransactionalIdAuthorizationFailed = 53;
constexpr std::int16_t kProducerFenced = 90;
constexpr std::int16_t kInvalidRecord = 87;

kwire::Properties props(const kwire::test::MockCluster& cluster, const std::string& txn_id,
                        const std::string& linger = "5") {
  return {{"bootstrap.servers", cluster.bootstrap()},
          {"transactional.id", txn_id},
          {"linger.ms", linger},
          {"retry.backoff.ms", "20"},
          {"request.timeout.ms", "5000"},
          {"delivery.timeout.ms", std::to_string(std::stoll(linger) + 20000)}};
}

kwire::protocol::kafka_errc kafka(std::int16_t code) { return static_cast<kwire::protocol::kafka_errc>(code); }

void require_all_ok(DeliveryRecorder& reports, std::size_t count) {
  REQUIRE(reports.wait(count));
  for (const auto& [id, rep] : reports.snapshot()) {
    INFO("record " << id << ": " << rep.error.message());
    CHECK(rep.fired == 1);
    CHECK(!rep.error);
  }
}

}  // namespace

TEST_CASE("transactions (mock): commit, abort and commit again; the log holds the committed records once, in order",
          "[txn]") {
  kwire::test::MockCluster cluster(3, {{"txn", 2, 1}});
  DeliveryRecorder reports;
  {
    kwire::Producer producer(props(cluster, "tx-commit"));
    // Out of order: nothing before init_transactions, nothing outside a transaction.
    CHECK(producer.begin_transaction() == kwire::errc::invalid_transaction_state);
    REQUIRE(producer.init_transactions(10s) == std::error_code());
    CHECK(send_numbered(producer, reports, "txn", 0, 999) == kwire::errc::invalid_transaction_state);
    CHECK(producer.commit_transaction(1s) == kwire::errc::invalid_transaction_state);
    CHECK(producer.abort_transaction(1s) == kwire::errc::invalid_transaction_state);

    REQUIRE(producer.begin_transaction() == std::error_code());
    CHECK(producer.begin_transaction() == kwire::errc::invalid_transaction_state);
    for (std::uint64_t id = 0; id < 40; ++id) REQUIRE_FALSE(send_numbered(producer, reports, "txn", int(id % 2), id));
    REQUIRE(producer.commit_transaction(10s) == std::error_code());
    // commit flushed: every report has fired, successfully, once.
    require_all_ok(reports, 40);
    CHECK(send_numbered(producer, reports, "txn", 0, 998) == kwire::errc::invalid_transaction_state);

    REQUIRE(producer.begin_transaction() == std::error_code());
    for (std::uint64_t id = 40; id < 50; ++id) REQUIRE_FALSE(send_numbered(producer, reports, "txn", int(id % 2), id));
    REQUIRE(producer.commit_transaction(10s) == std::error_code());
    require_all_ok(reports, 50);
  }
  // The mock checked the sequences of every transactional Produce; the log
  // holds each record once, per partition in send order.
  CHECK(read_ids(cluster.bootstrap(), "txn", 0) == range(0, 50, 2));
  CHECK(read_ids(cluster.bootstrap(), "txn", 1) == range(1, 50, 2));
}

TEST_CASE("transactions (mock): abort fails the records not yet sent, each report once; the next transaction commits",
          "[txn]") {
  kwire::test::MockCluster cluster(1, {{"txa", 2, 1}});
  DeliveryRecorder reports;
  {
    // A long linger keeps the aborted records in the accumulator.
    kwire::Producer producer(props(cluster, "tx-abort", "60000"));
    REQUIRE(producer.init_transactions(10s) == std::error_code());
    REQUIRE(producer.begin_transaction() == std::error_code());
    for (std::uint64_t id = 0; id < 10; ++id) REQUIRE_FALSE(send_numbered(producer, reports, "txa", int(id % 2), id));
    REQUIRE(producer.abort_transaction(10s) == std::error_code());
    REQUIRE(reports.wait(10));
    for (const auto& [id, rep] : reports.snapshot()) {
      CHECK(rep.fired == 1);
      CHECK(rep.error == kwire::errc::transaction_aborted);
    }
    REQUIRE(producer.begin_transaction() == std::error_code());
    for (std::uint64_t id = 10; id < 20; ++id) REQUIRE_FALSE(send_numbered(producer, reports, "txa", int(id % 2), id));
    REQUIRE(producer.commit_transaction(10s) == std::error_code());  // commit flushes despite linger.ms
    REQUIRE(reports.wait(20));
    auto snap = reports.snapshot();
    for (std::uint64_t id = 10; id < 20; ++id) {
      CHECK(snap[id].fired == 1);
      CHECK(!snap[id].error);
    }
  }
  CHECK(read_ids(cluster.bootstrap(), "txa", 0) == range(10, 20, 2));
  CHECK(read_ids(cluster.bootstrap(), "txa", 1) == range(11, 20, 2));
}

TEST_CASE("transactions (mock): send_offsets_to_transaction reaches the group coordinator, then commit", "[txn]") {
  // Three brokers: the group's and the transaction's coordinators may differ,
  // and the mock refuses a request at the wrong one with NOT_COORDINATOR.
  kwire::test::MockCluster cluster(3, {{"src", 2, 1}, {"out", 1, 1}});
  DeliveryRecorder reports;
  {
    kwire::Producer producer(props(cluster, "tx-offsets"));
    REQUIRE(producer.init_transactions(10s) == std::error_code());
    // Not in a transaction yet.
    CHECK(producer.send_offsets_to_transaction({{"src", 0, 5, std::nullopt, -1}}, "group-a", 2s) ==
          kwire::errc::invalid_transaction_state);
    REQUIRE(producer.begin_transaction() == std::error_code());
    for (std::uint64_t id = 0; id < 5; ++id) REQUIRE_FALSE(send_numbered(producer, reports, "out", 0, id));
    kwire::ConsumerGroupMetadata group;
    group.group_id = "group-a";
    std::vector<kwire::TopicPartitionOffset> offsets = {{"src", 0, 5, std::string("m"), -1}, {"src", 1, 7, std::nullopt, -1}};
    REQUIRE(producer.send_offsets_to_transaction(offsets, group, 10s) == std::error_code());
    // Twice in one transaction: AddOffsetsToTxn once, TxnOffsetCommit again.
    REQUIRE(producer.send_offsets_to_transaction({{"src", 0, 6, std::nullopt, -1}}, "group-a", 10s) ==
            std::error_code());
    REQUIRE(producer.commit_transaction(10s) == std::error_code());
    require_all_ok(reports, 5);
  }
  CHECK(read_ids(cluster.bootstrap(), "out", 0) == range(0, 5));
}

TEST_CASE("transactions (mock): retriable coordinator errors are retried", "[txn][fault]") {
  kwire::test::MockCluster cluster(3, {{"txr", 2, 1}});
  cluster.push_request_errors(kInitProducerId, {kCoordinatorLoadInProgress, kNotCoordinator});
  cluster.push_request_errors(kAddPartitionsToTxn, {kConcurrentTransactions, kNotCoordinator, kCoordinatorLoadInProgress});
  cluster.push_request_errors(kAddOffsetsToTxn, {kCoordinatorNotAvailable, kConcurrentTransactions});
  cluster.push_request_errors(kTxnOffsetCommit, {kNotCoordinator, kCoordinatorLoadInProgress});
  cluster.push_request_errors(kEndTxn, {kConcurrentTransactions, kNotCoordinator, kCoordinatorLoadInProgress});
  DeliveryRecorder reports;
  {
    kwire::Producer producer(props(cluster, "tx-retry"));
    REQUIRE(producer.init_transactions(10s) == std::error_code());
    REQUIRE(producer.begin_transaction() == std::error_code());
    for (std::uint64_t id = 0; id < 20; ++id) REQUIRE_FALSE(send_numbered(producer, reports, "txr", int(id % 2), id));
    REQUIRE(producer.send_offsets_to_transaction({{"txr", 0, 1, std::nullopt, -1}}, "group-r", 10s) ==
            std::error_code());
    REQUIRE(producer.commit_transaction(10s) == std::error_code());
    require_all_ok(reports, 20);
    // Every pushed error was answered to one of our requests and retried.
    auto& impl = kwire::detail::ProducerTestAccess::impl(producer);
    CHECK(impl.transactions()->coordinator_retries() >= 12);
  }
  CHECK(read_ids(cluster.bootstrap(), "txr", 0) == range(0, 20, 2));
  CHECK(read_ids(cluster.bootstrap(), "txr", 1) == range(1, 20, 2));
}

TEST_CASE("transactions (mock): fatal errors stick and are reported clearly", "[txn][fault]") {
  kwire::test::MockCluster cluster(1, {{"txf", 1, 1}});
  SECTION("not authorized for the transactional id") {
    cluster.push_request_errors(kInitProducerId, {kTransactionalIdAuthorizationFailed});
    kwire::Producer producer(props(cluster, "tx-unauthorized"));
    CHECK(producer.init_transactions(5s) == kafka(kTransactionalIdAuthorizationFailed));
    CHECK(producer.begin_transaction() == kafka(kTransactionalIdAuthorizationFailed));
    DeliveryRecorder reports;
    CHECK(send_numbered(producer, reports, "txf", 0, 1) == kafka(kTransactionalIdAuthorizationFailed));
  }
  SECTION("fenced when ending the transaction") {
    cluster.push_request_errors(kEndTxn, {kProducerFenced});
    kwire::Producer producer(props(cluster, "tx-fenced"));
    REQUIRE(producer.init_transactions(5s) == std::error_code());
    REQUIRE(producer.begin_transaction() == std::error_code());
    DeliveryRecorder reports;
    REQUIRE(send_numbered(producer, reports, "txf", 0, 1) == std::error_code());
    CHECK(producer.commit_transaction(5s) == kafka(kProducerFenced));
    CHECK(producer.begin_transaction() == kafka(kProducerFenced));
    CHECK(producer.abort_transaction(1s) == kafka(kProducerFenced));
    CHECK(send_numbered(producer, reports, "txf", 0, 2) == kafka(kProducerFenced));
  }
}

TEST_CASE("transactions (mock): abortable errors need an abort; then the producer goes on", "[txn][fault]") {
  kwire::test::MockCluster cluster(1, {{"txb", 2, 1}});
  DeliveryRecorder reports;
  SECTION("AddPartitionsToTxn refused for the topic") {
    cluster.push_request_errors(kAddPartitionsToTxn, {kTopicAuthorizationFailed});
    kwire::Producer producer(props(cluster, "tx-abortable-add"));
    REQUIRE(producer.init_transactions(5s) == std::error_code());
    REQUIRE(producer.begin_transaction() == std::error_code());
    REQUIRE(send_numbered(producer, reports, "txb", 0, 1) == std::error_code());
    CHECK(producer.commit_transaction(5s) == kwire::errc::transaction_abortable);
    CHECK(producer.begin_transaction() == kwire::errc::transaction_abortable);
    CHECK(send_numbered(producer, reports, "txb", 0, 2) == kwire::errc::transaction_abortable);
    REQUIRE(producer.abort_transaction(5s) == std::error_code());
    REQUIRE(reports.wait(1));
    CHECK(reports.snapshot()[1].error == kwire::errc::transaction_aborted);
    REQUIRE(producer.begin_transaction() == std::error_code());
    REQUIRE(send_numbered(producer, reports, "txb", 0, 3) == std::error_code());
    REQUIRE(producer.commit_transaction(5s) == std::error_code());
    REQUIRE(reports.wait(2));
    CHECK(!reports.snapshot()[3].error);
    producer.close(5s);
    CHECK(read_ids(cluster.bootstrap(), "txb", 0) == std::vector<std::uint64_t>{3});
  }
  SECTION("a record fails inside the transaction") {
    kwire::Producer producer(props(cluster, "tx-abortable-produce"));
    REQUIRE(producer.init_transactions(5s) == std::error_code());
    REQUIRE(producer.begin_transaction() == std::error_code());
    REQUIRE(send_numbered(producer, reports, "txb", 1, 10) == std::error_code());
    REQUIRE(producer.commit_transaction(5s) == std::error_code());
    // INVALID_RECORD is not retriable: the record fails, so must the transaction.
    cluster.push_request_errors(kProduce, {kInvalidRecord});
    REQUIRE(producer.begin_transaction() == std::error_code());
    REQUIRE(send_numbered(producer, reports, "txb", 1, 11) == std::error_code());
    CHECK(producer.commit_transaction(5s) == kwire::errc::transaction_abortable);
    REQUIRE(producer.abort_transaction(5s) == std::error_code());
    REQUIRE(reports.wait(2));
    CHECK(reports.snapshot()[11].error == kafka(kInvalidRecord));
    // After the abort the producer has a fresh epoch; the mock checks its
    // sequences (they start again) and the id/epoch of every later request.
    REQUIRE(producer.begin_transaction() == std::error_code());
    REQUIRE(send_numbered(producer, reports, "txb", 1, 12) == std::error_code());
    REQUIRE(producer.commit_transaction(5s) == std::error_code());
    REQUIRE(reports.wait(3));
    CHECK(!reports.snapshot()[12].error);
    producer.close(5s);
    CHECK(read_ids(cluster.bootstrap(), "txb", 1) == std::vector<std::uint64_t>{10, 12});
  }
}

TEST_CASE("transactions (mock): a call that runs out of time says so and can be made again", "[txn][fault]") {
  kwire::test::MockCluster cluster(1, {{"txt", 1, 1}});
  // The coordinator keeps loading for longer than the first call waits.
  cluster.push_request_errors(kInitProducerId, std::vector<std::int16_t>(200, kCoordinatorLoadInProgress));
  kwire::Producer producer(props(cluster, "tx-timeout"));
  const auto start = std::chrono::steady_clock::now();
  CHECK(producer.init_transactions(300ms) == kwire::errc::transaction_timeout);
  CHECK(std::chrono::steady_clock::now() - start < 3s);  // bounded by the timeout (plus one answer)
  CHECK(producer.begin_transaction() == kwire::errc::invalid_transaction_state);
  cluster.clear_request_errors(kInitProducerId);
  REQUIRE(producer.init_transactions(10s) == std::error_code());
  REQUIRE(producer.begin_transaction() == std::error_code());
  DeliveryRecorder reports;
  REQUIRE(send_numbered(producer, reports, "txt", 0, 1) == std::error_code());
  REQUIRE(producer.commit_transaction(10s) == std::error_code());
  producer.close(5s);
  CHECK(read_ids(cluster.bootstrap(), "txt", 0) == std::vector<std::uint64_t>{1});
}

namespace {

// The sender's retry count, read on the io thread that owns it.
std::uint64_t sender_retries(kwire::Producer& producer) {
  auto& impl = kwire::detail::ProducerTestAccess::impl(producer);
  std::promise<std::uint64_t> result;
  asio::post(impl.io(), [&] { result.set_value(impl.sender().counters().retries); });
  return result.get_future().get();
}

}  // namespace

TEST_CASE("transactions (mock): an abort while a batch waits for its retry leaves the partition usable", "[txn][fault]") {
  constexpr std::int16_t kNotEnoughReplicas = 19;
  kwire::test::MockCluster cluster(1, {{"txr", 1, 1}});
  DeliveryRecorder reports;
  {
    auto p = props(cluster, "tx-retry-abort");
    p["retry.backoff.ms"] = "60000";  // the refused batch waits in the accumulator
    p["retry.backoff.max.ms"] = "60000";
    p["delivery.timeout.ms"] = "120000";
    kwire::Producer producer(p);
    REQUIRE(producer.init_transactions(10s) == std::error_code());
    REQUIRE(producer.begin_transaction() == std::error_code());
    cluster.push_request_errors(kProduce, {kNotEnoughReplicas});
    for (std::uint64_t id = 0; id < 5; ++id) REQUIRE_FALSE(send_numbered(producer, reports, "txr", 0, id));
    // Wait (bounded) until the batch was sent, refused and queued for a retry.
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (sender_retries(producer) == 0 && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(5ms);
    REQUIRE(sender_retries(producer) >= 1);
    REQUIRE(producer.abort_transaction(10s) == std::error_code());
    REQUIRE(reports.wait(5));
    for (const auto& [id, rep] : reports.snapshot()) {
      CHECK(rep.fired == 1);
      CHECK(rep.error == kwire::errc::transaction_aborted);
    }
    // The batch the sender had sent is forgotten with its sequence: the next
    // transaction's records to the same partition go out and commit.
    REQUIRE(producer.begin_transaction() == std::error_code());
    for (std::uint64_t id = 5; id < 15; ++id) REQUIRE_FALSE(send_numbered(producer, reports, "txr", 0, id));
    REQUIRE(producer.commit_transaction(10s) == std::error_code());
    REQUIRE(reports.wait(15));
    auto snap = reports.snapshot();
    for (std::uint64_t id = 5; id < 15; ++id) {
      CHECK(snap[id].fired == 1);
      CHECK(!snap[id].error);
    }
  }
  CHECK(read_ids(cluster.bootstrap(), "txr", 0) == range(5, 15, 1));
}

TEST_CASE("transactions (mock): PRODUCER_FENCED on a Produce is fatal, not abortable", "[txn][fault]") {
  constexpr std::int16_t kInvalidProducerEpoch = 47;
  kwire::test::MockCluster cluster(1, {{"txp", 1, 1}});
  DeliveryRecorder reports;
  kwire::Producer producer(props(cluster, "tx-fenced-produce"));
  REQUIRE(producer.init_transactions(10s) == std::error_code());
  REQUIRE(producer.begin_transaction() == std::error_code());
  cluster.push_request_errors(kProduce, {kProducerFenced});
  REQUIRE(send_numbered(producer, reports, "txp", 0, 1) == std::error_code());
  // A newer producer owns the transactional id: nothing can go on, not even
  // an abort (as the Java client's ProducerFencedException).
  const std::error_code commit = producer.commit_transaction(10s);
  CHECK(commit == kafka(kInvalidProducerEpoch));
  REQUIRE(reports.wait(1));
  CHECK(reports.snapshot()[1].fired == 1);
  CHECK(reports.snapshot()[1].error == kafka(kInvalidProducerEpoch));
  CHECK(producer.abort_transaction(5s) == kafka(kInvalidProducerEpoch));
  CHECK(producer.begin_transaction() == kafka(kInvalidProducerEpoch));
  CHECK(send_numbered(producer, reports, "txp", 0, 2) == kafka(kInvalidProducerEpoch));
}
