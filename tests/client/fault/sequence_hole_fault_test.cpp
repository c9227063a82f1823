// Issue 11, hole 1: a batch that may have been written must never be sent
// again under a new sequence, and a later acknowledgement proves an older
// batch written only where the broker already held state for us. Each test
// drives the whole Producer against the TxnBroker (Kafka's producer-state
// rules, ../shared/KAFKA-PRODUCER-STATE.md) into one of the traced failures
// and checks the invariants with librdkafka reading the log back.
// Waves of records are separated by waiting for the broker to have handled
// the previous request (its counter), so each wave is a request of its own.
#include <catch2/catch.hpp>

#include <thread>

#include "fault_run.hpp"

using namespace std::chrono_literals;
using kwire::test::FaultRun;
using kwire::test::FaultRunOptions;
using kwire::test::ProduceFault;
using kwire::test::ProduceFaultAction;

namespace {

constexpr std::int16_t kRequestTimedOut = 7, kInvalidProducerEpoch = 47;
constexpr std::int32_t kPartition = 2;

// Sends `count` records to kPartition, then waits until the broker has
// handled `requests` Produce requests in all.
void wave(FaultRun& run, std::uint64_t first, std::uint64_t count, int requests) {
  for (std::uint64_t id = first; id < first + count; ++id) REQUIRE_FALSE(run.send(id, kPartition));
  REQUIRE(FaultRun::wait_until([&] { return run.broker().produce_requests_seen() >= requests; }, 20s));
}

ProduceFault on_partition(ProduceFaultAction action, std::int16_t error = 0, int skip = 0, int times = 1) {
  ProduceFault f;
  f.delay = 6s;  // delay_response: beyond every request timeout used here
  f.action = action;
  f.error = error;
  f.topic = "fault";
  f.partition = kPartition;
  f.skip = skip;
  f.times = times;
  return f;
}

void finish_and_check(FaultRun& run) {
  std::error_code flushed;
  CHECK(run.timed_flush(40s, flushed) < 41s);
  CHECK(run.timed_close(10s) < 11s);
  auto verdict = run.verdict();
  INFO(verdict.describe());
  CHECK(verdict.ok());
}

}  // namespace

TEST_CASE("fault: a refused first batch overtaken by the next is never reported delivered",
          "[threads][fault_suite][sequence]") {
  FaultRun run;
  // The partition 2: 0-9 refused unwritten (retriable), 10-19 then
  // becomes the partition's first batch; 0-9's retry is out of order.
  auto refuse_first = on_partition(ProduceFaultAction::refuse, kRequestTimedOut);
  refuse_first.base_sequence = 0;
  run.broker().add_produce_fault(refuse_first);
  run.broker().set_rtt(0, 200ms);  // the later waves leave before the refusal is back
  wave(run, 0, 10, 1);
  wave(run, 10, 10, 2);
  wave(run, 20, 10, 3);
  finish_and_check(run);
}

TEST_CASE("fault: a written batch whose acknowledgement was lost is not renumbered and written again",
          "[threads][fault_suite][sequence]") {
  FaultRunOptions o;
  o.producer = {{"request.timeout.ms", "1000"}};
  FaultRun run(o);
  // The partition 1: 0-9 refused unwritten, 10-19 written as the
  // first batch with its acknowledgement lost; 0-9's retry is then out of
  // order, and renumbering both under a new epoch writes 10-19 twice.
  auto refuse_first = on_partition(ProduceFaultAction::refuse, kRequestTimedOut);
  refuse_first.base_sequence = 0;
  run.broker().add_produce_fault(refuse_first);
  run.broker().add_produce_fault(on_partition(ProduceFaultAction::delay_response, 0, 1));
  run.broker().set_rtt(0, 200ms);
  wave(run, 0, 10, 1);
  wave(run, 10, 10, 2);
  finish_and_check(run);
}

TEST_CASE("fault: a batch expiring with a possibly written batch behind it leaves that one alone",
          "[threads][fault_suite][sequence]") {
  FaultRunOptions o;
  o.producer = {{"request.timeout.ms", "4000"}, {"delivery.timeout.ms", "5000"}};
  FaultRun run(o);
  // A and B are both written and both acknowledgements lost. A times out
  // and waits for its retry behind B (in flight); A's delivery timeout
  // passes first, then B's request times out, and B must be retried under
  // its own sequence, not renumbered under a bumped epoch (a duplicate).
  run.broker().add_produce_fault(on_partition(ProduceFaultAction::delay_response, 0, 0, 2));
  wave(run, 0, 10, 1);
  // Ages A by 2 s so that B (created now) outlives A's delivery timeout
  // (5 s) by more than a request timeout (4 s); the order of events is
  // fixed by the waits, this only places the deadlines.
  std::this_thread::sleep_for(2s);
  wave(run, 10, 10, 2);
  finish_and_check(run);
  auto reports = run.reports();
  CHECK(reports.at(0).error == kwire::errc::delivery_timeout);
  CHECK_FALSE(reports.at(10).error);
}

TEST_CASE("fault: INVALID_PRODUCER_EPOCH does not renumber a possibly written batch behind it",
          "[threads][fault_suite][sequence]") {
  FaultRunOptions o;
  o.producer = {{"request.timeout.ms", "1000"}};
  FaultRun run(o);
  auto fenced_first = on_partition(ProduceFaultAction::refuse, kInvalidProducerEpoch);
  fenced_first.base_sequence = 0;
  run.broker().add_produce_fault(fenced_first);
  run.broker().add_produce_fault(on_partition(ProduceFaultAction::delay_response, 0, 1));
  run.broker().set_rtt(0, 200ms);
  wave(run, 0, 10, 1);
  wave(run, 10, 10, 2);
  finish_and_check(run);
}
