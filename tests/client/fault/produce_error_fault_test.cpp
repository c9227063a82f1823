// Errors on Produce through the whole Producer, idempotent and
// transactional, against the TxnBroker: NOT_LEADER_OR_FOLLOWER (6),
// REQUEST_TIMED_OUT (7) and NOT_ENOUGH_REPLICAS (19) refuse a batch unwritten;
// NOT_ENOUGH_REPLICAS_AFTER_APPEND (20), DUPLICATE_SEQUENCE_NUMBER (46) and
// KAFKA_STORAGE_ERROR (56) come after the batch was written;
// OUT_OF_ORDER_SEQUENCE_NUMBER (45) and UNKNOWN_PRODUCER_ID (59) refuse it
// unwritten. Each hits the third batch of partition 1 while requests are in
// flight elsewhere. Idempotent: every record once, in order, where its
// report says. Transactional: 45/59 make the transaction abortable
// (transaction_fault_test.cpp); the others commit with every record once.
#include <catch2/catch.hpp>

#include "fault_run.hpp"

using namespace std::chrono_literals;
using kwire::test::FaultRun;
using kwire::test::FaultRunOptions;
using kwire::test::ProduceFault;
using kwire::test::ProduceFaultAction;

namespace {

struct Case {
  std::int16_t code;
  ProduceFaultAction action;
};

ProduceFault third_batch_of_partition_1(const Case& c) {
  ProduceFault f;
  f.action = c.action;
  f.error = c.code;
  f.topic = "fault";
  f.partition = 1;
  f.skip = 2;
  return f;
}

kwire::test::Verdict judged(FaultRun& run, std::optional<std::set<std::uint64_t>> committed = std::nullopt) {
  kwire::test::InvariantOptions options;
  options.committed = std::move(committed);
  // DUPLICATE_SEQUENCE_NUMBER says "written by an earlier try" without an offset.
  options.require_offsets = run.broker().produce_errors_seen(46) == 0;
  return run.verdict(options);
}

}  // namespace

TEST_CASE("fault: Produce errors 6/7/19/20/46/56/45/59 on an idempotent producer", "[threads][fault_suite][produce_errors]") {
  const Case cases[] = {{6, ProduceFaultAction::refuse},           {7, ProduceFaultAction::refuse},
                        {19, ProduceFaultAction::refuse},          {20, ProduceFaultAction::write_then_error},
                        {46, ProduceFaultAction::write_then_error}, {56, ProduceFaultAction::write_then_error},
                        {45, ProduceFaultAction::refuse},          {59, ProduceFaultAction::refuse}};
  for (const auto& c : cases) {
    DYNAMIC_SECTION("error " << c.code) {
      FaultRun run;
      run.broker().set_rtt(0, 10ms);
      run.broker().add_produce_fault(third_batch_of_partition_1(c));
      run.send_range(0, 1200);
      CHECK(run.timed_close(30s) < 31s);
      CHECK(run.broker().fault_counters().produce_faults_fired == 1);
      auto verdict = judged(run);
      INFO(verdict.describe());
      CHECK(verdict.ok());
      CHECK(verdict.delivered == 1200);
    }
  }
}

TEST_CASE("fault: Produce errors 6/7/19/20/46/56 in a transaction are retried and the transaction commits",
          "[threads][fault_suite][produce_errors][txn]") {
  const Case cases[] = {{6, ProduceFaultAction::refuse},           {7, ProduceFaultAction::refuse},
                        {19, ProduceFaultAction::refuse},          {20, ProduceFaultAction::write_then_error},
                        {46, ProduceFaultAction::write_then_error}, {56, ProduceFaultAction::write_then_error}};
  for (const auto& c : cases) {
    DYNAMIC_SECTION("error " << c.code) {
      FaultRunOptions o;
      o.transactional_id = "produce-errors";
      FaultRun run(o);
      run.broker().set_rtt(0, 10ms);
      REQUIRE_FALSE(run.producer().init_transactions(20s));
      run.broker().add_produce_fault(third_batch_of_partition_1(c));
      REQUIRE_FALSE(run.producer().begin_transaction());
      run.send_range(0, 1200);
      CHECK_FALSE(run.producer().commit_transaction(30s));
      CHECK(run.timed_close(10s) < 11s);
      std::set<std::uint64_t> all;
      for (std::uint64_t id = 0; id < 1200; ++id) all.insert(id);
      auto verdict = judged(run, all);
      INFO(verdict.describe());
      CHECK(verdict.ok());
      CHECK(verdict.delivered == 1200);
    }
  }
}
