// `kwire consume -X isolation.level=...` against the TxnBroker (which writes
// real transaction markers and keeps an aborted index, unlike librdkafka's
// mock), with the data written by librdkafka's transactional producer:
// read_committed prints exactly the committed records, read_uncommitted
// prints all of them. The expected lines come from the plan, and librdkafka's
// own read_committed consumer is asked first to agree with the plan.
#include <algorithm>
#include <catch2/catch.hpp>
#include <sstream>

#include "log_reader.hpp"
#include "run_tool.hpp"
#include "txn_broker.hpp"
#include "txn_broker_librdkafka.hpp"

using kwire::test::PlannedTransaction;
using kwire::test::TxnEnd;
using kwire::test::run_tool;
using kwire::test::TxnBroker;

using kwire::test::lines_of;

namespace {

// Transactions alternating commit and abort, several per producer, so one
// fetch sees more than one aborted range of the same producer id.
std::vector<PlannedTransaction> alternating_plan(const std::string& tag, int transactions, int partitions) {
  std::vector<PlannedTransaction> plan;
  for (int t = 0; t < transactions; ++t) {
    PlannedTransaction txn;
    txn.end = t % 2 == 0 ? TxnEnd::commit : TxnEnd::abort;
    for (int i = 0; i < 6; ++i) {
      std::int32_t p = i % partitions;
      txn.records.emplace_back(p, tag + (txn.end == TxnEnd::commit ? "-committed-" : "-aborted-") + std::to_string(t) + "-" +
                                      std::to_string(i) + "@p" + std::to_string(p));
    }
    plan.push_back(std::move(txn));
  }
  return plan;
}

// The plan's values of one partition, in order; committed ones only if asked.
std::vector<std::string> expected_values(const std::vector<std::vector<PlannedTransaction>>& plans, std::int32_t p,
                                         bool committed_only) {
  std::vector<std::string> out;
  for (const auto& plan : plans)
    for (const auto& txn : plan)
      for (const auto& [partition, value] : txn.records)
        if (partition == p && (txn.end == TxnEnd::commit || !committed_only)) out.push_back(value);
  return out;
}

std::vector<std::string> values_of(const kwire::test::ReadResult& r) {
  std::vector<std::string> out;
  for (const auto& rec : r.records) out.push_back(rec.value.value_or("<null>"));
  return out;
}

std::vector<std::string> consume(const TxnBroker& broker, const std::string& topic, std::int32_t partition,
                                 const std::string& isolation) {
  auto run = run_tool({"consume", "-b", broker.bootstrap(), "-t", topic, "-p", std::to_string(partition), "-o",
                       "beginning", "-e", "-X", "isolation.level=" + isolation},
                      "", std::chrono::seconds(60));
  INFO("kwire consume stderr: " << run.err);
  REQUIRE(run.exit_code == 0);
  return lines_of(run.out);
}

}  // namespace

TEST_CASE("kwire consume -X isolation.level: read_committed prints exactly the committed records",
          "[tools][txn_broker]") {
  TxnBroker broker;
  const std::string topic = "cli-read-committed";
  const int partitions = 2;
  broker.create_topic(topic, partitions);
  // Two producers one after the other: aborted ranges of two producer ids.
  std::vector<std::vector<PlannedTransaction>> plans{alternating_plan("a", 5, partitions),
                                                     alternating_plan("b", 4, partitions)};
  REQUIRE(kwire::test::run_librdkafka_transactions(broker.bootstrap(), "cli-rc-a", topic, plans[0]) == "");
  REQUIRE(kwire::test::run_librdkafka_transactions(broker.bootstrap(), "cli-rc-b", topic, plans[1]) == "");

  for (std::int32_t p = 0; p < partitions; ++p) {
    INFO("partition " << p);
    auto committed = expected_values(plans, p, true);
    auto everything = expected_values(plans, p, false);
    REQUIRE(committed.size() < everything.size());
    // librdkafka's consumer agrees with the plan: the log is what we think.
    auto reference = kwire::test::read_partition(broker.bootstrap(), topic, p, kwire::test::Isolation::read_committed);
    REQUIRE(reference.error == "");
    REQUIRE(values_of(reference) == committed);

    CHECK(consume(broker, topic, p, "read_committed") == committed);
    CHECK(consume(broker, topic, p, "read_uncommitted") == everything);
  }
}

TEST_CASE("kwire consume read_committed stops at an open transaction", "[tools][txn_broker]") {
  TxnBroker broker;
  const std::string topic = "cli-read-committed-open";
  broker.create_topic(topic, 1);
  std::vector<PlannedTransaction> plan{{{{0, "before-0"}, {0, "before-1"}}, TxnEnd::commit},
                                       {{{0, "pending-0"}, {0, "pending-1"}}, TxnEnd::leave_open}};
  REQUIRE(kwire::test::run_librdkafka_transactions(broker.bootstrap(), "cli-rc-open", topic, plan) == "");
  // Another producer commits after the open transaction started: its records
  // lie beyond the last stable offset, so read_committed must not show them yet.
  std::vector<PlannedTransaction> later{{{{0, "later-0"}}, TxnEnd::commit}};
  REQUIRE(kwire::test::run_librdkafka_transactions(broker.bootstrap(), "cli-rc-later", topic, later) == "");
  REQUIRE(broker.last_stable_offset(topic, 0) == 3);  // 2 records + COMMIT marker

  CHECK(consume(broker, topic, 0, "read_committed") == std::vector<std::string>{"before-0", "before-1"});
  CHECK(consume(broker, topic, 0, "read_uncommitted") ==
        std::vector<std::string>{"before-0", "before-1", "pending-0", "pending-1", "later-0"});
}
