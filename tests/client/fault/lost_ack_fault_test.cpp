// Lost acknowledgements with 5 requests in flight, through the whole
// Producer against the TxnBroker: the batches are written, their responses
// come after the request timeout (or the connection is cut right after the
// write). With time to
// finish, every retry is recognised as a duplicate and every record is
// delivered once at its first offset; closed with no time left, the records
// still unanswered are reported failed, each at most once in the log.
#include <catch2/catch.hpp>

#include "fault_run.hpp"

using namespace std::chrono_literals;
using kwire::test::FaultRun;
using kwire::test::FaultRunOptions;
using kwire::test::ProduceFault;
using kwire::test::ProduceFaultAction;

namespace {

ProduceFault lost(ProduceFaultAction action, std::int32_t partition, int skip, int times,
                  std::chrono::milliseconds delay = 0ms) {
  ProduceFault f;
  f.action = action;
  f.delay = delay;
  f.topic = "fault";
  f.partition = partition;
  f.skip = skip;
  f.times = times;
  return f;
}

}  // namespace

TEST_CASE("fault: lost acknowledgements with 5 in flight, closed with time to finish", "[threads][fault_suite][lost_ack]") {
  FaultRunOptions o;
  o.producer = {{"request.timeout.ms", "1000"}};
  FaultRun run(o);
  run.broker().set_rtt(0, 20ms);
  // Late beyond the request timeout (Kafka answers in order, so the
  // requests behind it on the connection are late too), or cut off with
  // the connection right after the write.
  run.broker().add_produce_fault(lost(ProduceFaultAction::delay_response, 0, 3, 2, 1500ms));
  run.broker().add_produce_fault(lost(ProduceFaultAction::delay_response, 3, 5, 1, 1500ms));
  run.broker().add_produce_fault(lost(ProduceFaultAction::cut_after_write, 4, 4, 1));
  run.send_range(0, 3000);
  CHECK(run.timed_close(30s) < 31s);
  CHECK(run.broker().fault_counters().responses_delayed == 3);
  CHECK(run.broker().fault_counters().connections_cut == 1);
  CHECK(run.broker().duplicate_batches_seen() >= 4);
  auto verdict = run.verdict();
  INFO(verdict.describe());
  CHECK(verdict.ok());
  CHECK(verdict.delivered == 3000);
}

TEST_CASE("fault: lost acknowledgements with 5 in flight, closed with no time left", "[threads][fault_suite][lost_ack]") {
  FaultRunOptions o;
  o.producer = {{"request.timeout.ms", "5000"}};
  FaultRun run(o);
  // Every response from now on is lost: what is in flight at close is
  // written, unanswered.
  run.send_range(0, 600);
  REQUIRE(run.wait_reports(600, 20s));
  run.broker().add_produce_fault(lost(ProduceFaultAction::delay_response, -1, 0, 1000, 60s));
  run.send_range(600, 600);
  REQUIRE(FaultRun::wait_until([&] { return run.broker().fault_counters().responses_delayed >= 3; }, 20s));
  CHECK(run.timed_close(0ms) < 2s);
  REQUIRE(run.wait_reports(1200, 5s));
  auto reports = run.reports();
  std::size_t closed = 0;
  for (const auto& [id, r] : reports)
    if (r.error == kwire::errc::producer_closed) ++closed;
  CHECK(closed > 0);
  auto verdict = run.verdict();
  INFO(verdict.describe());
  CHECK(verdict.ok());
  CHECK(verdict.failed_but_in_log > 0);  // written, unanswered: reported failed
}
