// Transactions through the public Producer against tests/support/txn_broker
// (a broker of our own that writes commit/abort markers, keeps the aborted
// transactions index, fences older epochs of a transactional id and stores
// TxnOffsetCommit offsets at commit), checked with librdkafka's consumer: a
// read_committed reader (librdkafka filters with the markers and the aborted
// index) sees exactly the committed records, and rd_kafka_committed() reads
// the group offsets through OffsetFetch.
#include <catch2/catch.hpp>

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "kwire/producer.hpp"
#include "kwire/protocol/errors.hpp"
#include "log_reader.hpp"
#include "transaction_test_helpers.hpp"
#include "txn_broker.hpp"

using namespace std::chrono_literals;
using txn_test::range;
using kwire::test::DeliveryRecorder;
using txn_test::send_numbered;

namespace {

kwire::Properties props(const kwire::test::TxnBroker& broker, const std::string& txn_id) {
  return {{"bootstrap.servers", broker.bootstrap()},
          {"transactional.id", txn_id},
          {"linger.ms", "5"},
          {"retry.backoff.ms", "20"},
          {"request.timeout.ms", "5000"},
          {"delivery.timeout.ms", "10000"}};
}

std::vector<std::uint64_t> ids(const kwire::test::TxnBroker& broker, const std::string& topic, std::int32_t partition,
                               kwire::test::Isolation isolation) {
  auto read = kwire::test::read_partition(broker.bootstrap(), topic, partition, isolation, 20s);
  INFO("read error: " << read.error);
  REQUIRE(read.error.empty());
  std::vector<std::uint64_t> out;
  for (const auto& rec : read.records) {
    REQUIRE(rec.key.has_value());
    out.push_back(std::stoull(rec.key->substr(3)));
  }
  return out;
}

// The group's committed offset as librdkafka's consumer reads it (OffsetFetch);
// nullopt when the group has none for the partition.
std::optional<std::int64_t> committed_by_librdkafka(const std::string& bootstrap, const std::string& group,
                                                    const std::string& topic, std::int32_t partition) {
  char err[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  REQUIRE(rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err) == RD_KAFKA_CONF_OK);
  REQUIRE(rd_kafka_conf_set(conf, "group.id", group.c_str(), err, sizeof err) == RD_KAFKA_CONF_OK);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  REQUIRE(rk != nullptr);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, topic.c_str(), partition);
  rd_kafka_resp_err_t e = rd_kafka_committed(rk, parts, 10000);
  std::optional<std::int64_t> out;
  const bool ok = e == RD_KAFKA_RESP_ERR_NO_ERROR && parts->elems[0].err == RD_KAFKA_RESP_ERR_NO_ERROR;
  if (ok && parts->elems[0].offset >= 0) out = parts->elems[0].offset;
  rd_kafka_topic_partition_list_destroy(parts);
  rd_kafka_destroy(rk);
  INFO("rd_kafka_committed: " << rd_kafka_err2str(e));
  REQUIRE(ok);
  return out;
}

bool fenced(std::error_code ec) {
  using kwire::protocol::kafka_errc;
  return ec == kafka_errc::producer_fenced || ec == kafka_errc::invalid_producer_epoch;
}

}  // namespace

TEST_CASE("transactions (txn_broker): commit, abort, commit; read_committed sees exactly the committed records",
          "[txn]") {
  kwire::test::TxnBroker broker;
  broker.create_topic("rc", 2);
  DeliveryRecorder reports;
  {
    kwire::Producer producer(props(broker, "tx-rc"));
    REQUIRE(producer.init_transactions(10s) == std::error_code());
    REQUIRE(producer.begin_transaction() == std::error_code());
    for (std::uint64_t id = 0; id < 20; ++id) REQUIRE_FALSE(send_numbered(producer, reports, "rc", int(id % 2), id));
    REQUIRE(producer.commit_transaction(10s) == std::error_code());

    // These reach the log (flush), then the transaction is aborted.
    REQUIRE(producer.begin_transaction() == std::error_code());
    for (std::uint64_t id = 20; id < 30; ++id) REQUIRE_FALSE(send_numbered(producer, reports, "rc", int(id % 2), id));
    REQUIRE(producer.flush(10s) == std::error_code());
    REQUIRE(producer.abort_transaction(10s) == std::error_code());

    REQUIRE(producer.begin_transaction() == std::error_code());
    for (std::uint64_t id = 30; id < 40; ++id) REQUIRE_FALSE(send_numbered(producer, reports, "rc", int(id % 2), id));
    REQUIRE(producer.commit_transaction(10s) == std::error_code());
    REQUIRE(reports.wait(40));
    for (const auto& [id, rep] : reports.snapshot()) {
      INFO("record " << id);
      CHECK(rep.fired == 1);
      CHECK(!rep.error);  // the aborted ones were written before the abort
    }
  }
  using kwire::test::Isolation;
  for (int p = 0; p < 2; ++p) {
    INFO("partition " << p);
    // Three transactions touched each partition: three markers.
    CHECK(broker.control_batches("rc", p) == 3);
    CHECK(broker.aborted_transactions("rc", p).size() == 1);
    std::vector<std::uint64_t> committed = range(std::uint64_t(p), 20, 2);
    for (std::uint64_t id : range(std::uint64_t(30 + p), 40, 2)) committed.push_back(id);
    CHECK(ids(broker, "rc", p, Isolation::read_committed) == committed);
    CHECK(ids(broker, "rc", p, Isolation::read_uncommitted) == range(std::uint64_t(p), 40, 2));
  }
}

TEST_CASE("transactions (txn_broker): a second producer with the same transactional.id fences the first", "[txn]") {
  kwire::test::TxnBroker broker;
  broker.create_topic("fence", 1);
  DeliveryRecorder old_reports, new_reports;
  kwire::Producer first(props(broker, "tx-fence"));
  REQUIRE(first.init_transactions(10s) == std::error_code());
  REQUIRE(first.begin_transaction() == std::error_code());
  REQUIRE(send_numbered(first, old_reports, "fence", 0, 1) == std::error_code());
  REQUIRE(first.flush(10s) == std::error_code());

  kwire::Producer second(props(broker, "tx-fence"));
  REQUIRE(second.init_transactions(10s) == std::error_code());  // bumps the epoch, aborts first's transaction

  // The first producer's next send (in its open transaction) and its commit fail, fatally.
  REQUIRE(send_numbered(first, old_reports, "fence", 0, 2) == std::error_code());
  const std::error_code commit = first.commit_transaction(10s);
  INFO("commit: " << commit.message());
  CHECK(fenced(commit));
  REQUIRE(old_reports.wait(2));
  CHECK(old_reports.snapshot()[1].fired == 1);
  CHECK(!old_reports.snapshot()[1].error);  // written before the fence, then aborted by the coordinator
  CHECK(old_reports.snapshot()[2].fired == 1);
  CHECK(fenced(old_reports.snapshot()[2].error));
  CHECK(fenced(first.begin_transaction()));
  CHECK(fenced(send_numbered(first, old_reports, "fence", 0, 3)));

  REQUIRE(second.begin_transaction() == std::error_code());
  REQUIRE(send_numbered(second, new_reports, "fence", 0, 10) == std::error_code());
  REQUIRE(second.commit_transaction(10s) == std::error_code());
  second.close(5s);
  first.close(1s);
  CHECK(ids(broker, "fence", 0, kwire::test::Isolation::read_committed) == std::vector<std::uint64_t>{10});
}

TEST_CASE("transactions (txn_broker): group offsets from send_offsets_to_transaction appear only at commit", "[txn]") {
  kwire::test::TxnBroker broker;
  broker.create_topic("in", 2);
  broker.create_topic("out", 1);
  DeliveryRecorder reports;
  kwire::Producer producer(props(broker, "tx-eos"));
  REQUIRE(producer.init_transactions(10s) == std::error_code());

  REQUIRE(producer.begin_transaction() == std::error_code());
  REQUIRE(send_numbered(producer, reports, "out", 0, 1) == std::error_code());
  kwire::ConsumerGroupMetadata group;
  group.group_id = "eos-group";
  REQUIRE(producer.send_offsets_to_transaction({{"in", 0, 42, std::nullopt, -1}, {"in", 1, 7, std::nullopt, -1}},
                                               group, 10s) == std::error_code());
  // Not yet committed: the group has no offsets. (A consumer asking now gets
  // UNSTABLE_OFFSET_COMMIT and retries until the transaction ends, KIP-447,
  // so this one question goes to the broker's own state.)
  CHECK_FALSE(broker.committed_offset("eos-group", "in", 0).has_value());
  REQUIRE(producer.commit_transaction(10s) == std::error_code());
  CHECK(committed_by_librdkafka(broker.bootstrap(), "eos-group", "in", 0) == std::optional<std::int64_t>(42));
  CHECK(committed_by_librdkafka(broker.bootstrap(), "eos-group", "in", 1) == std::optional<std::int64_t>(7));

  // Offsets of an aborted transaction never appear.
  REQUIRE(producer.begin_transaction() == std::error_code());
  REQUIRE(producer.send_offsets_to_transaction({{"in", 0, 50, std::nullopt, -1}}, "eos-group", 10s) ==
          std::error_code());
  CHECK(broker.committed_offset("eos-group", "in", 0) == std::optional<std::int64_t>(42));
  REQUIRE(producer.abort_transaction(10s) == std::error_code());
  CHECK(committed_by_librdkafka(broker.bootstrap(), "eos-group", "in", 0) == std::optional<std::int64_t>(42));
  REQUIRE(reports.wait(1));
  CHECK(!reports.snapshot()[1].error);
}
