// Abortable errors inside a transaction (issue 11 item 3), through the whole
// Producer against the TxnBroker, read back by librdkafka under
// read_committed. OUT_OF_ORDER_SEQUENCE_NUMBER or UNKNOWN_PRODUCER_ID on a
// Produce must not move the epoch locally: the records of the refused batch
// report the broker's error, commit_transaction() is refused as abortable,
// the abort ends the transaction under the coordinator's epoch (its markers
// are taken), InitProducerId with the current id and epoch moves the producer
// on (KIP-360), and the next transaction commits at that epoch. An EndTxn
// answered TRANSACTION_ABORTABLE leaves the producer able to abort.
// Before the fix, the producer bumped its epoch itself and committed with the
// coordinator's: the broker refused the stale markers and the partition's
// last stable offset stayed behind.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "fault_run.hpp"
#include "kwire/errors.hpp"
#include "kwire/protocol/errors.hpp"

using namespace std::chrono_literals;
using kwire::protocol::kafka_errc;
using kwire::test::ApiFault;
using kwire::test::ApiFaultAction;
using kwire::test::FaultRun;
using kwire::test::FaultRunOptions;
using kwire::test::ProduceFault;
using kwire::test::ProduceFaultAction;
using kwire::test::id_range;
using kwire::test::transactional_run;

namespace {

// The broker refuses partition 1's third batch with `code`, writing nothing;
// the transaction must turn abortable, abort, and the next one commit.
void refused_inside_a_transaction(kafka_errc refusal) {
  const auto code = static_cast<std::int16_t>(refusal);
  const std::string txn_id = "txn-abortable-" + std::to_string(code);
  FaultRun run(transactional_run(txn_id));
  REQUIRE_FALSE(run.producer().init_transactions(20s));
  const auto before = run.broker().transactional_producer(txn_id);
  REQUIRE(before.has_value());
  ProduceFault f;
  f.action = ProduceFaultAction::refuse;
  f.error = code;
  f.topic = "fault";
  f.partition = 1;
  f.skip = 2;
  run.broker().add_produce_fault(f);

  REQUIRE_FALSE(run.producer().begin_transaction());
  // The refusal may turn the transaction abortable while records are still
  // being sent: from then on send() refuses them.
  std::size_t accepted = 0;
  for (std::uint64_t id = 0; id < 600; ++id, ++accepted) {
    if (std::error_code ec = run.send(id)) {
      CHECK(ec == kwire::errc::transaction_abortable);
      break;
    }
  }
  CHECK(run.producer().commit_transaction(20s) == kwire::errc::transaction_abortable);
  REQUIRE(run.broker().fault_counters().produce_faults_fired == 1);
  // The refused batch's records carry the broker's error, outcome rejected.
  int refused_reports = 0;
  for (const auto& [id, r] : run.reports()) {
    if (r.error != refusal) continue;
    ++refused_reports;
    CHECK(r.metadata.partition == 1);
    CHECK(r.metadata.outcome == kwire::DeliveryOutcome::rejected);
  }
  CHECK(refused_reports > 0);
  // No epoch moved yet: the coordinator still has the one init gave.
  CHECK(run.broker().transactional_producer(txn_id)->epoch == before->epoch);

  CHECK_FALSE(run.producer().abort_transaction(20s));
  REQUIRE(run.wait_reports(accepted, 5s));
  // KIP-360: the coordinator moved this producer on, asked with its own id and epoch.
  CHECK(run.broker().init_producer_id_resumes() == 1);
  const auto after = run.broker().transactional_producer(txn_id);
  REQUIRE(after.has_value());
  CHECK(after->producer_id == before->producer_id);
  CHECK(after->epoch == before->epoch + 1);

  REQUIRE_FALSE(run.producer().begin_transaction());
  run.send_range(600, 600);
  CHECK_FALSE(run.producer().commit_transaction(20s));
  CHECK(run.timed_close(10s) < 11s);
  // Every marker was taken: the data went out under the coordinator's epoch.
  CHECK(run.broker().fault_counters().stale_markers_refused == 0);
  for (std::int32_t p = 0; p < 6; ++p) {
    INFO("partition " << p);
    // The commit's marker, after the abort's where the partition had joined the first.
    CHECK(run.broker().control_batches("fault", p) >= 1);
    if (p == 1) CHECK(run.broker().control_batches("fault", p) == 2);
    CHECK(run.broker().last_stable_offset("fault", p) == run.broker().high_watermark("fault", p));
  }
  kwire::test::InvariantOptions options;
  options.committed = id_range(600, 600);
  auto verdict = run.verdict(options);
  INFO(verdict.describe());
  CHECK(verdict.ok());
}

}  // namespace

TEST_CASE("fault: OUT_OF_ORDER_SEQUENCE_NUMBER inside a transaction: commit refused, abort, next commits at the new epoch",
          "[threads][fault_suite][txn][abortable]") {
  refused_inside_a_transaction(kafka_errc::out_of_order_sequence_number);
}

TEST_CASE("fault: UNKNOWN_PRODUCER_ID inside a transaction: commit refused, abort, next commits at the new epoch",
          "[threads][fault_suite][txn][abortable]") {
  refused_inside_a_transaction(kafka_errc::unknown_producer_id);
}

TEST_CASE("fault: an EndTxn answered TRANSACTION_ABORTABLE leaves the transaction abortable, not fatal",
          "[threads][fault_suite][txn][abortable]") {
  FaultRun run(transactional_run("txn-endtxn-abortable"));
  REQUIRE_FALSE(run.producer().init_transactions(20s));
  REQUIRE_FALSE(run.producer().begin_transaction());
  run.send_range(0, 300);
  run.broker().add_api_fault({26, ApiFaultAction::error, static_cast<std::int16_t>(kafka_errc::transaction_abortable), 1});
  CHECK(run.producer().commit_transaction(20s) == kafka_errc::transaction_abortable);
  // Only an abort is allowed now.
  CHECK(run.producer().begin_transaction() == kwire::errc::transaction_abortable);
  CHECK_FALSE(run.producer().abort_transaction(20s));
  REQUIRE_FALSE(run.producer().begin_transaction());
  run.send_range(300, 300);
  CHECK_FALSE(run.producer().commit_transaction(20s));
  CHECK(run.timed_close(10s) < 11s);
  CHECK(run.broker().fault_counters().stale_markers_refused == 0);
  for (std::int32_t p = 0; p < 6; ++p) {
    INFO("partition " << p);
    CHECK(run.broker().control_batches("fault", p) == 2);
    CHECK(run.broker().last_stable_offset("fault", p) == run.broker().high_watermark("fault", p));
  }
  kwire::test::InvariantOptions options;
  options.committed = id_range(300, 300);
  auto verdict = run.verdict(options);
  INFO(verdict.describe());
  CHECK(verdict.ok());
}
