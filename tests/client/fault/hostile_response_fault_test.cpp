// Hostile Produce responses through the whole Producer (issue 11, hole 1):
// the TxnBroker writes the batch, then answers with a wrong correlation id,
// a giant length, half a frame then FIN, bytes that do not decode, or skips
// the answer on an open connection. The
// outcome of the write is unknown to the client, so the connection must be
// dropped and the batch retried with the same sequence (the broker then
// answers the duplicate with its first offset): no failed report, every
// record once, in order. Other partitions keep requests in flight meanwhile.
#include <catch2/catch.hpp>

#include "fault_run.hpp"

using namespace std::chrono_literals;
using kwire::test::FaultRun;
using kwire::test::FaultRunOptions;
using kwire::test::HostileResponse;
using kwire::test::ProduceFault;
using kwire::test::ProduceFaultAction;

namespace {

void run_with(HostileResponse kind, ProduceFaultAction action = ProduceFaultAction::hostile_response) {
  FaultRunOptions o;
  o.producer = {{"request.timeout.ms", "1500"}};
  FaultRun run(o);
  ProduceFault hostile;
  hostile.action = action;
  hostile.hostile = kind;
  hostile.topic = "fault";
  hostile.partition = 1;
  hostile.skip = 2;   // once partition 1 has been acknowledged before
  run.broker().add_produce_fault(hostile);
  run.send_range(0, 1200);
  std::error_code flushed;
  CHECK(run.timed_flush(30s, flushed) < 31s);
  CHECK_FALSE(flushed);
  CHECK(run.timed_close(10s) < 11s);
  const auto& counters = run.broker().fault_counters();
  CHECK(counters.hostile_responses + counters.responses_dropped == 1);
  auto verdict = run.verdict();
  INFO(verdict.describe());
  CHECK(verdict.ok());
  CHECK(verdict.failed == 0);
  CHECK(verdict.delivered == 1200);
}

}  // namespace

TEST_CASE("fault: a response with a wrong correlation id ends in a retry with the same sequence",
          "[threads][fault_suite][hostile]") {
  run_with(HostileResponse::wrong_correlation_id);
}

TEST_CASE("fault: a response with a giant length ends in a retry with the same sequence",
          "[threads][fault_suite][hostile]") {
  run_with(HostileResponse::giant_length);
}

TEST_CASE("fault: half a response then FIN ends in a retry with the same sequence", "[threads][fault_suite][hostile]") {
  run_with(HostileResponse::half_frame_then_fin);
}

TEST_CASE("fault: a response that does not decode ends in a retry with the same sequence",
          "[threads][fault_suite][hostile]") {
  run_with(HostileResponse::garbage);
}

TEST_CASE("fault: a response skipped on an open connection ends in a retry with the same sequence",
          "[threads][fault_suite][hostile]") {
  // The next response answers a later request: out of order on the
  // connection, which Kafka never does.
  run_with(HostileResponse::garbage, ProduceFaultAction::drop_response);
}
