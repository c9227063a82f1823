// The fault suite's baseline: the whole Producer (5 in flight, 6 partitions
// on 3 nodes) against the TxnBroker with no fault at all, read back by
// librdkafka. Every scenario in this folder differs from this run by its
// faults only, so a failure there is the fault's doing.
#include <catch2/catch.hpp>

#include "fault_run.hpp"

using namespace std::chrono_literals;

TEST_CASE("fault suite baseline: no faults, every record once, in order, where its report says", "[fault_suite]") {
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
