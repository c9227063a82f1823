// Transactions under faults, through the whole Producer against the
// TxnBroker (markers, fencing, stale-epoch markers refused) and read back by
// librdkafka under read_committed: close() with a transaction open, a fenced
// abort, a late EndTxn response, and timeouts and a coordinator move at every
// transactional step. Abortable errors inside a transaction (45/59 on a
// Produce, TRANSACTION_ABORTABLE on EndTxn) are in
// transaction_abortable_fault_test.cpp.
#include <catch2/catch.hpp>

#include "fault_run.hpp"
#include "kwire/protocol/errors.hpp"

using namespace std::chrono_literals;
using kwire::test::ApiFault;
using kwire::test::ApiFaultAction;
using kwire::test::FaultRun;
using kwire::test::FaultRunOptions;
using kwire::test::ProduceFault;
using kwire::test::ProduceFaultAction;
using kwire::test::id_range;
using kwire::test::transactional_run;

namespace {

kwire::test::Verdict committed_exactly(FaultRun& run, std::set<std::uint64_t> committed) {
  kwire::test::InvariantOptions options;
  options.committed = std::move(committed);
  return run.verdict(options);
}

}  // namespace

TEST_CASE("fault: close() with a transaction open aborts it", "[threads][fault_suite][txn][close]") {
  FaultRun run(transactional_run("txn-close-open"));
  REQUIRE_FALSE(run.producer().init_transactions(20s));
  REQUIRE_FALSE(run.producer().begin_transaction());
  run.send_range(0, 300);
  REQUIRE_FALSE(run.producer().flush(20s));
  run.send_range(300, 300);  // some of these are still queued at close
  CHECK(run.timed_close(10s) < 11s);
  REQUIRE(run.wait_reports(600, 5s));
  auto open = run.broker().transactional_producer("txn-close-open");
  REQUIRE(open.has_value());
  CHECK_FALSE(open->transaction_open);
  CHECK(run.broker().end_txn_requests() == 1);
  for (std::int32_t p = 0; p < 6; ++p) {
    CHECK(run.broker().control_batches("fault", p) == 1);
    CHECK(run.broker().last_stable_offset("fault", p) == run.broker().high_watermark("fault", p));
  }
  for (const auto& [id, r] : run.reports()) {
    INFO("id " << id);
    CHECK(r.fired == 1);
    if (r.error) CHECK(r.error == kwire::errc::transaction_aborted);
  }
  // read_committed (librdkafka) is not held at the open transaction: it reads to the end and finds nothing.
  auto verdict = committed_exactly(run, {});
  INFO(verdict.describe());
  CHECK(verdict.ok());
}

TEST_CASE("fault: close() with no time left fails the open transaction's records as aborted, each once",
          "[threads][fault_suite][txn][close]") {
  FaultRun run(transactional_run("txn-close-now"));
  REQUIRE_FALSE(run.producer().init_transactions(20s));
  REQUIRE_FALSE(run.producer().begin_transaction());
  run.send_range(0, 300);
  REQUIRE_FALSE(run.producer().flush(20s));
  // Every Produce answer from now on is late: records are in flight at close.
  ProduceFault late;
  late.action = ProduceFaultAction::delay_response;
  late.delay = 20s;
  late.times = 1000;
  run.broker().add_produce_fault(late);
  run.send_range(300, 300);
  REQUIRE(FaultRun::wait_until([&] { return run.broker().fault_counters().responses_delayed >= 1; }, 20s));
  CHECK(run.timed_close(0ms) < 2s);
  REQUIRE(run.wait_reports(600, 5s));
  std::size_t aborted = 0;
  for (const auto& [id, r] : run.reports()) {
    INFO("id " << id);
    CHECK(r.fired == 1);
    if (id < 300) CHECK_FALSE(r.error);
    if (id >= 300) {
      CHECK(r.error == kwire::errc::transaction_aborted);
      ++aborted;
    }
  }
  CHECK(aborted == 300);
  // No EndTxn went out in no time: the coordinator's timeout ends it. Nothing is committed.
  run.broker().clear_faults();
  auto verdict = committed_exactly(run, {});
  INFO(verdict.describe());
  CHECK(verdict.ok());
}

TEST_CASE("fault: close() with a transaction open and a late coordinator returns by its timeout",
          "[threads][fault_suite][txn][close]") {
  FaultRun run(transactional_run("txn-close-late"));
  REQUIRE_FALSE(run.producer().init_transactions(20s));
  REQUIRE_FALSE(run.producer().begin_transaction());
  run.send_range(0, 300);
  REQUIRE_FALSE(run.producer().flush(20s));
  // EndTxn is answered long after close's timeout, every time.
  ApiFault late{26, ApiFaultAction::delay_response, 0, 100};
  late.delay = 10s;
  run.broker().add_api_fault(late);
  run.send_range(300, 300);
  CHECK(run.timed_close(2s) < 3500ms);
  REQUIRE(run.wait_reports(600, 5s));
  for (const auto& [id, r] : run.reports()) {
    INFO("id " << id);
    CHECK(r.fired == 1);
    if (r.error) CHECK(r.error == kwire::errc::transaction_aborted);
  }
  CHECK(run.broker().end_txn_requests() >= 1);
}

TEST_CASE("fault: an abort of a fenced producer reports the fencing, not success", "[threads][fault_suite][txn]") {
  FaultRun run(transactional_run("txn-fenced-abort"));
  REQUIRE_FALSE(run.producer().init_transactions(20s));
  REQUIRE_FALSE(run.producer().begin_transaction());
  run.send_range(0, 100);
  REQUIRE_FALSE(run.producer().flush(20s));
  {
    // A second instance takes the transactional id: the first is fenced.
    kwire::Producer zombie_killer(kwire::Properties{{"bootstrap.servers", run.broker().bootstrap()},
                                                    {"transactional.id", "txn-fenced-abort"}});
    REQUIRE_FALSE(zombie_killer.init_transactions(20s));
    zombie_killer.close(5s);
  }
  auto ec = run.producer().abort_transaction(10s);
  CHECK(ec == kwire::protocol::kafka_errc::producer_fenced);
  CHECK(run.producer().begin_transaction() == kwire::protocol::kafka_errc::producer_fenced);
  CHECK(run.timed_close(10s) < 11s);
  auto verdict = committed_exactly(run, {});
  INFO(verdict.describe());
  CHECK(verdict.ok());
}

TEST_CASE("fault: an abort the coordinator refuses reports the error, not success", "[threads][fault_suite][txn]") {
  FaultRun run(transactional_run("txn-failed-abort"));
  REQUIRE_FALSE(run.producer().init_transactions(20s));
  REQUIRE_FALSE(run.producer().begin_transaction());
  run.send_range(0, 100);
  REQUIRE_FALSE(run.producer().flush(20s));
  // TRANSACTIONAL_ID_AUTHORIZATION_FAILED (53): fatal.
  run.broker().add_api_fault({26, ApiFaultAction::error, 53, 1});
  auto ec = run.producer().abort_transaction(10s);
  CHECK(ec == kwire::protocol::kafka_errc::transactional_id_authorization_failed);
  CHECK(run.timed_close(10s) < 11s);
}

TEST_CASE("fault: an EndTxn answered after the request timeout is retried and the commit succeeds once", "[threads][fault_suite][txn]") {
  FaultRun run(transactional_run("txn-endtxn-lost"));
  REQUIRE_FALSE(run.producer().init_transactions(20s));
  REQUIRE_FALSE(run.producer().begin_transaction());
  run.send_range(0, 300);
  ApiFault late{26, ApiFaultAction::delay_response, 0, 1};
  late.delay = 3s;  // beyond the request timeout (1.5 s)
  run.broker().add_api_fault(late);
  std::error_code committed;
  CHECK(run.timed([&] { committed = run.producer().commit_transaction(20s); }) < 21s);
  CHECK_FALSE(committed);
  CHECK(run.broker().end_txn_requests() >= 2);
  for (std::int32_t p = 0; p < 6; ++p) CHECK(run.broker().control_batches("fault", p) == 1);
  CHECK(run.timed_close(10s) < 11s);
  auto verdict = committed_exactly(run, id_range(0, 300));
  INFO(verdict.describe());
  CHECK(verdict.ok());
}

TEST_CASE("fault: timeouts at every transactional step and a coordinator move", "[threads][fault_suite][txn]") {
  FaultRun run(transactional_run("txn-every-step"));
  // FindCoordinator, InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn,
  // TxnOffsetCommit, EndTxn: the first of each is answered after the
  // request timeout.
  for (std::int16_t api : {10, 22, 24, 25, 28, 26}) {
    ApiFault late{api, ApiFaultAction::delay_response, 0, 1};
    late.delay = 3s;
    run.broker().add_api_fault(late);
  }
  REQUIRE_FALSE(run.producer().init_transactions(30s));
  REQUIRE_FALSE(run.producer().begin_transaction());
  run.send_range(0, 300);
  // The coordinator moves mid-transaction: node 1 answers NOT_COORDINATOR.
  run.broker().set_coordinator(2);
  kwire::TopicPartitionOffset consumed;
  consumed.topic = "in";
  consumed.partition = 0;
  consumed.offset = 42;
  REQUIRE_FALSE(run.producer().send_offsets_to_transaction({consumed}, "group-1", 30s));
  std::error_code committed;
  CHECK(run.timed([&] { committed = run.producer().commit_transaction(30s); }) < 31s);
  CHECK_FALSE(committed);
  CHECK(run.broker().committed_offset("group-1", "in", 0) == 42);
  CHECK(run.broker().fault_counters().responses_delayed == 6);
  CHECK(run.broker().fault_counters().not_coordinator_answers > 0);
  CHECK(run.timed_close(10s) < 11s);
  auto verdict = committed_exactly(run, id_range(0, 300));
  INFO(verdict.describe());
  CHECK(verdict.ok());
}
