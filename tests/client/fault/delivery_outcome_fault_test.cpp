// Issue 11, hole 2: a failed delivery report says whether the record may be
// in the log: not_sent (never left the client), rejected (the broker refused
// every attempt before appending) or possibly_written (sent, end unknown);
// a delivered one says delivered. One scenario per class through the whole
// Producer against the TxnBroker; the log is read back by librdkafka and the
// invariants hold the outcome to the truth (a record in the log may only be
// reported delivered or possibly_written).
#include <catch2/catch.hpp>

#include "fault_run.hpp"
#include "kwire/protocol/errors.hpp"

using namespace std::chrono_literals;
using kwire::DeliveryOutcome;
using kwire::test::FaultRun;
using kwire::test::FaultRunOptions;
using kwire::test::ProduceFault;
using kwire::test::ProduceFaultAction;

namespace {

FaultRunOptions short_timeouts() {
  FaultRunOptions o;
  o.producer = {{"request.timeout.ms", "1000"}, {"delivery.timeout.ms", "3000"}};
  return o;
}

ProduceFault on_partition(std::int32_t partition, ProduceFaultAction action, std::int16_t error, int times) {
  ProduceFault f;
  f.action = action;
  f.error = error;
  f.topic = "fault";
  f.partition = partition;
  f.times = times;
  f.delay = 20s;  // delay_response: beyond every timeout here
  return f;
}

void check_invariants(FaultRun& run) {
  auto verdict = run.verdict();
  INFO(verdict.describe());
  CHECK(verdict.ok());
}

}  // namespace

TEST_CASE("fault: outcome not_sent for a record whose leader never accepted a connection, delivered for the others",
          "[threads][fault_suite][outcome]") {
  FaultRun run(short_timeouts());
  // Node 1 leads partitions 0 and 3; it is down from the start.
  run.broker().stop_node(1);
  REQUIRE_FALSE(run.send(0, 0));
  REQUIRE_FALSE(run.send(1, 1));
  REQUIRE(run.wait_reports(2, 20s));
  auto reports = run.reports();
  CHECK(reports.at(0).error == kwire::errc::delivery_timeout);
  CHECK(reports.at(0).metadata.outcome == DeliveryOutcome::not_sent);
  CHECK_FALSE(reports.at(1).error);
  CHECK(reports.at(1).metadata.outcome == DeliveryOutcome::delivered);
  run.broker().start_node(1);
  CHECK(run.timed_close(10s) < 11s);
  check_invariants(run);
}

TEST_CASE("fault: outcome rejected when the broker refused every attempt before appending",
          "[threads][fault_suite][outcome]") {
  FaultRun run(short_timeouts());
  // Partition 1: NOT_ENOUGH_REPLICAS (retriable, checked before the append)
  // until the delivery timeout. Partition 2: INVALID_RECORD (fatal) once.
  run.broker().add_produce_fault(on_partition(1, ProduceFaultAction::refuse, 19, 100000));
  run.broker().add_produce_fault(on_partition(2, ProduceFaultAction::refuse, 87, 1));
  REQUIRE_FALSE(run.send(1, 1));
  REQUIRE_FALSE(run.send(2, 2));
  REQUIRE(run.wait_reports(2, 20s));
  auto reports = run.reports();
  CHECK(reports.at(1).error == kwire::errc::delivery_timeout);
  CHECK(reports.at(1).metadata.outcome == DeliveryOutcome::rejected);
  CHECK(reports.at(2).error == kwire::protocol::kafka_errc::invalid_record);
  CHECK(reports.at(2).metadata.outcome == DeliveryOutcome::rejected);
  CHECK(run.timed_close(10s) < 11s);
  check_invariants(run);
}

TEST_CASE("fault: outcome possibly_written on expiry with every answer lost, and on close with a request in flight",
          "[threads][fault_suite][outcome]") {
  FaultRun run(short_timeouts());
  // Partition 1 (node 2): every response is held back beyond the request
  // timeout; the batch is written by the first attempt.
  run.broker().add_produce_fault(on_partition(1, ProduceFaultAction::delay_response, 0, 100000));
  REQUIRE_FALSE(run.send(1, 1));
  REQUIRE(run.wait_reports(1, 20s));
  {
    auto reports = run.reports();
    CHECK(reports.at(1).error == kwire::errc::delivery_timeout);
    CHECK(reports.at(1).metadata.outcome == DeliveryOutcome::possibly_written);
  }
  // Partition 0 (node 1): the answer is held back and the producer closes
  // at once while the request is in flight.
  run.broker().add_produce_fault(on_partition(0, ProduceFaultAction::delay_response, 0, 1));
  const int seen = run.broker().produce_requests_seen();
  REQUIRE_FALSE(run.send(0, 0));
  REQUIRE(FaultRun::wait_until([&] { return run.broker().produce_requests_seen() > seen; }, 20s));
  CHECK(run.timed_close(0ms) < 5s);
  REQUIRE(run.wait_reports(2, 20s));
  auto reports = run.reports();
  CHECK(reports.at(0).error == kwire::errc::producer_closed);
  CHECK(reports.at(0).metadata.outcome == DeliveryOutcome::possibly_written);
  check_invariants(run);
}
