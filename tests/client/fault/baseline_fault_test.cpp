// The fault suite's baseline: the whole Producer (5 in flight, 6 partitions
// on 3 nodes) against the TxnBroker with no fault at all, read back by
// librdkafka. Every scenario in this folder differs from this run by its
// faults only, so a failure there is the fault's doing.
#include <catch2/catch.hpp>

#include "fault_run.hpp"

using namespace std::chrono_literals;

TEST_CASE("fault suite baseline: no faults, every record once, in order, where its report says", "[threads][fault_suite]") {
  kwire::test::FaultRun run;
  run.send_range(0, 3000);
  std::error_code flushed;
  CHECK(run.timed_flush(30s, flushed) < 31s);
  CHECK_FALSE(flushed);
  CHECK(run.timed_close(10s) < 11s);
  auto verdict = run.verdict();
  INFO(verdict.describe());
  CHECK(verdict.ok());
  CHECK(verdict.delivered == 3000);
  CHECK(run.broker().fault_counters().produce_faults_fired == 0);
}

// Under ThreadSanitizer the suite reads its log back through the TxnBroker's
// own records() (librdkafka cannot run there). That reader must see what the
// independent one sees: every record at its offset, and under read_committed
// the aborted transactions' records left out, here compared with librdkafka.
TEST_CASE("fault suite baseline: the TxnBroker's own log reads back what librdkafka reads, both isolations",
          "[fault_suite][txn]") {
  kwire::test::FaultRunOptions options;
  options.transactional_id = "baseline-readback";
  kwire::test::FaultRun run(options);
  REQUIRE_FALSE(run.producer().init_transactions(20s));
  std::uint64_t next = 0;
  for (bool commit : {true, false, true, false, true}) {
    REQUIRE_FALSE(run.producer().begin_transaction());
    run.send_range(next, 120);
    next += 120;
    // Written before the abort, so read_committed has records to leave out.
    if (!commit) REQUIRE_FALSE(run.producer().flush(20s));
    const std::error_code ended = commit ? run.producer().commit_transaction(20s) : run.producer().abort_transaction(20s);
    REQUIRE_FALSE(ended);
  }
  CHECK(run.timed_close(10s) < 11s);
  for (auto isolation : {kwire::test::Isolation::read_uncommitted, kwire::test::Isolation::read_committed}) {
    const bool committed = isolation == kwire::test::Isolation::read_committed;
    const auto theirs = kwire::test::read_partitions(run.broker().bootstrap(), "fault", 6, isolation, 30s);
    std::size_t records = 0;
    for (std::int32_t p = 0; p < 6; ++p) {
      INFO((committed ? "read_committed" : "read_uncommitted") << ", partition " << p);
      const auto& expected = theirs[static_cast<std::size_t>(p)];
      REQUIRE(expected.error.empty());
      const auto ours = run.broker().records("fault", p, committed);
      REQUIRE(ours.size() == expected.records.size());
      for (std::size_t i = 0; i < ours.size(); ++i) {
        CHECK(ours[i].offset == expected.records[i].offset);
        CHECK(ours[i].key == expected.records[i].key);
      }
      records += ours.size();
    }
    // 3 committed transactions of 120, and 2 aborted ones only without read_committed.
    CHECK(records == (committed ? 360u : 600u));
  }
}
