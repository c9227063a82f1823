// The errors a newer version lets the broker send, and what kwire does with
// each, at exactly the version that introduced it: a TxnBroker advertises
// that one version of the API and answers one request with the error
// (txn_broker_faults.hpp). These back the rows of docs/conformance.md "What
// each negotiated version obliges kwire to do":
// - TRANSACTION_ABORTABLE (KIP-890 part 1) on Produce v11, AddOffsetsToTxn
//   v4, TxnOffsetCommit v4: the transaction must be aborted, then the
//   producer goes on (the aborted records are not read back);
// - TRANSACTION_ABORTABLE on InitProducerId v5 at init: fatal (no id yet);
// - PRODUCER_FENCED on InitProducerId v4, AddPartitionsToTxn v2, EndTxn v2:
//   fatal, every later call fails with it;
// - KAFKA_STORAGE_ERROR on Produce v4: retriable, written once;
// - Produce v8's per-record errors (INVALID_RECORD): the batch fails with
//   the broker's error.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "kwire/errors.hpp"
#include "kwire/producer.hpp"
#include "kwire/protocol/errors.hpp"
#include "log_reader.hpp"
#include "txn_broker.hpp"

using namespace std::chrono_literals;
using kwire::protocol::kafka_errc;

namespace {

const std::string kObligationsTopic = "obligations";
constexpr std::int16_t kProduce = 0, kInitProducerId = 22, kAddPartitionsToTxn = 24, kAddOffsetsToTxn = 25,
                       kEndTxn = 26, kTxnOffsetCommit = 28;
constexpr std::int16_t kTransactionAbortable = 120, kProducerFenced = 90, kInvalidRecord = 87;

std::unique_ptr<kwire::test::TxnBroker> broker_at(std::int16_t api_key, std::int16_t version) {
  kwire::test::TxnBrokerOptions options;
  options.advertise = {{api_key, version, version}};
  auto broker = std::make_unique<kwire::test::TxnBroker>(options);
  broker->create_topic(kObligationsTopic, 1);
  return broker;
}

kwire::Properties transactional(const std::string& bootstrap, const std::string& id) {
  return {{"bootstrap.servers", bootstrap}, {"transactional.id", id},      {"linger.ms", "0"},
          {"request.timeout.ms", "5000"},   {"delivery.timeout.ms", "10000"}};
}

// Sends one record in the open transaction; the report's error.
std::error_code send_one(kwire::Producer& producer, const std::string& value) {
  kwire::Record record;
  record.topic = kObligationsTopic;
  record.partition = 0;
  record.value = kwire::as_bytes(value);
  try {
    producer.send(record).get();
    return {};
  } catch (const std::system_error& e) {
    return e.code();
  }
}

std::vector<std::string> committed_values(kwire::test::TxnBroker& broker) {
  broker.advertise({});  // librdkafka reads with the broker's default ranges
  auto read = kwire::test::read_partition(broker.bootstrap(), kObligationsTopic, 0, kwire::test::Isolation::read_committed, 15s);
  INFO("read error: " << read.error);
  REQUIRE(read.error.empty());
  std::vector<std::string> values;
  for (const auto& r : read.records) values.push_back(r.value.value_or("<null>"));
  return values;
}

const kwire::ConsumerGroupMetadata& group() {
  static const kwire::ConsumerGroupMetadata g = [] {
    kwire::ConsumerGroupMetadata m;
    m.group_id = "obligations-group";
    m.generation_id = 3;
    m.member_id = "member-3";
    return m;
  }();
  return g;
}

// After an abortable failure: commit refused with transaction_abortable,
// abort succeeds, and the next transaction commits `after`.
void abort_then_go_on(kwire::Producer& producer, const std::string& after) {
  CHECK(producer.commit_transaction(10s) == kwire::errc::transaction_abortable);
  CHECK(producer.abort_transaction(10s) == std::error_code());
  REQUIRE(producer.begin_transaction() == std::error_code());
  CHECK(send_one(producer, after) == std::error_code());
  CHECK(producer.commit_transaction(10s) == std::error_code());
}

// `api` (AddOffsetsToTxn or TxnOffsetCommit) at v4 answers
// TRANSACTION_ABORTABLE: send_offsets_to_transaction fails with it, the
// abort works, the offset is not committed and the next transaction is.
void offsets_refused_then_go_on(std::int16_t api, const std::string& transactional_id) {
  auto broker = broker_at(api, 4);
  broker->add_api_fault({api, kwire::test::ApiFaultAction::error, kTransactionAbortable});
  kwire::Producer producer(transactional(broker->bootstrap(), transactional_id));
  REQUIRE(producer.init_transactions(10s) == std::error_code());
  REQUIRE(producer.begin_transaction() == std::error_code());
  CHECK(send_one(producer, "aborted") == std::error_code());
  const auto ec = producer.send_offsets_to_transaction({{"input", 0, 42, std::nullopt, -1}}, group(), 10s);
  INFO("send_offsets_to_transaction: " << ec.message());
  CHECK(ec == kafka_errc::transaction_abortable);
  abort_then_go_on(producer, "after");
  producer.close(5s);
  CHECK(committed_values(*broker) == std::vector<std::string>{"after"});
  CHECK(broker->committed_offset("obligations-group", "input", 0) == std::nullopt);
}

}  // namespace

TEST_CASE("TRANSACTION_ABORTABLE at the versions that introduced it: abort, then go on",
          "[conformance][semantics][txn]") {
  SECTION("Produce v11") {
    auto broker = broker_at(kProduce, 11);
    kwire::test::ProduceFault fault;
    fault.error = kTransactionAbortable;
    broker->add_produce_fault(fault);
    kwire::Producer producer(transactional(broker->bootstrap(), "abortable-produce"));
    REQUIRE(producer.init_transactions(10s) == std::error_code());
    REQUIRE(producer.begin_transaction() == std::error_code());
    const auto ec = send_one(producer, "refused");
    INFO("report: " << ec.message());
    CHECK(ec == kafka_errc::transaction_abortable);
    abort_then_go_on(producer, "after");
    producer.close(5s);
    CHECK(committed_values(*broker) == std::vector<std::string>{"after"});
  }
  SECTION("AddOffsetsToTxn v4") { offsets_refused_then_go_on(kAddOffsetsToTxn, "abortable-add-offsets"); }
  SECTION("TxnOffsetCommit v4") { offsets_refused_then_go_on(kTxnOffsetCommit, "abortable-txn-offset-commit"); }
}

TEST_CASE("PRODUCER_FENCED at the versions that introduced it: fatal, every later call fails",
          "[conformance][semantics][txn]") {
  SECTION("InitProducerId v4") {
    auto broker = broker_at(kInitProducerId, 4);
    broker->add_api_fault({kInitProducerId, kwire::test::ApiFaultAction::error, kProducerFenced});
    kwire::Producer producer(transactional(broker->bootstrap(), "fenced-init"));
    CHECK(producer.init_transactions(10s) == kafka_errc::producer_fenced);
    CHECK(producer.begin_transaction() == kafka_errc::producer_fenced);
    producer.close(5s);
  }
  SECTION("AddPartitionsToTxn v2") {
    auto broker = broker_at(kAddPartitionsToTxn, 2);
    broker->add_api_fault({kAddPartitionsToTxn, kwire::test::ApiFaultAction::error, kProducerFenced});
    kwire::Producer producer(transactional(broker->bootstrap(), "fenced-add-partitions"));
    REQUIRE(producer.init_transactions(10s) == std::error_code());
    REQUIRE(producer.begin_transaction() == std::error_code());
    const auto ec = send_one(producer, "never committed");
    INFO("report: " << ec.message());
    CHECK(ec);
    CHECK(producer.commit_transaction(10s) == kafka_errc::producer_fenced);
    CHECK(producer.abort_transaction(10s) == kafka_errc::producer_fenced);
    CHECK(producer.begin_transaction() == kafka_errc::producer_fenced);
    producer.close(5s);
    CHECK(committed_values(*broker).empty());
  }
  SECTION("EndTxn v2") {
    auto broker = broker_at(kEndTxn, 2);
    broker->add_api_fault({kEndTxn, kwire::test::ApiFaultAction::error, kProducerFenced});
    kwire::Producer producer(transactional(broker->bootstrap(), "fenced-end-txn"));
    REQUIRE(producer.init_transactions(10s) == std::error_code());
    REQUIRE(producer.begin_transaction() == std::error_code());
    CHECK(send_one(producer, "never committed") == std::error_code());
    CHECK(producer.commit_transaction(10s) == kafka_errc::producer_fenced);
    CHECK(producer.begin_transaction() == kafka_errc::producer_fenced);
    producer.close(5s);
    CHECK(committed_values(*broker).empty());
  }
}

// No producer id yet, so there is no transaction to abort: kwire treats it
// as fatal, as it does every InitProducerId error but a timeout.
TEST_CASE("InitProducerId v5 TRANSACTION_ABORTABLE at init: init_transactions fails, nothing is sent",
          "[conformance][semantics][txn]") {
  auto broker = broker_at(kInitProducerId, 5);
  broker->add_api_fault({kInitProducerId, kwire::test::ApiFaultAction::error, kTransactionAbortable});
  kwire::Producer producer(transactional(broker->bootstrap(), "abortable-init"));
  CHECK(producer.init_transactions(10s) == kafka_errc::transaction_abortable);
  CHECK(producer.begin_transaction() == kafka_errc::transaction_abortable);
  producer.close(5s);
  CHECK(committed_values(*broker).empty());
}

TEST_CASE("Produce v4 KAFKA_STORAGE_ERROR: retriable, the batch is sent again and written once",
          "[conformance][semantics]") {
  constexpr std::int16_t kKafkaStorageError = 56;
  auto broker = broker_at(kProduce, 4);
  kwire::test::ProduceFault fault;
  fault.error = kKafkaStorageError;
  broker->add_produce_fault(fault);
  kwire::Producer producer(kwire::Properties{{"bootstrap.servers", broker->bootstrap()},
                                             {"linger.ms", "0"},
                                             {"retry.backoff.ms", "10"},
                                             {"request.timeout.ms", "5000"},
                                             {"delivery.timeout.ms", "10000"}});
  CHECK(send_one(producer, "stored") == std::error_code());
  producer.close(5s);
  CHECK(broker->produce_errors_seen(kKafkaStorageError) == 1);
  CHECK(broker->produce_requests_seen() >= 2);
  CHECK(committed_values(*broker) == std::vector<std::string>{"stored"});
}

TEST_CASE("Produce v8 per-record errors: the batch fails with the broker's error", "[conformance][semantics]") {
  auto broker = broker_at(kProduce, 8);
  kwire::test::ProduceFault fault;
  fault.error = kInvalidRecord;
  broker->add_produce_fault(fault);
  kwire::Producer producer(kwire::Properties{{"bootstrap.servers", broker->bootstrap()},
                                             {"linger.ms", "0"},
                                             {"request.timeout.ms", "5000"},
                                             {"delivery.timeout.ms", "10000"}});
  const auto ec = send_one(producer, "invalid");
  INFO("report: " << ec.message());
  CHECK(ec == kafka_errc::invalid_record);
  CHECK(send_one(producer, "valid") == std::error_code());
  producer.close(5s);
  CHECK(committed_values(*broker) == std::vector<std::string>{"valid"});
}
