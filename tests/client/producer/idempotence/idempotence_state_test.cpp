// Idempotence state (IdempotenceState) as pure logic: sequence assignment,
// the per-partition in-flight window, order under retries, and the KIP-360
// reactions to OUT_OF_ORDER_SEQUENCE_NUMBER, UNKNOWN_PRODUCER_ID,
// INVALID_PRODUCER_EPOCH and failed batches. Inside a transaction:
// idempotence_state_transactional_test.cpp.
#include <catch2/catch.hpp>

#include "idempotence_test_support.hpp"

namespace idempotence_test {

TEST_CASE("idempotence: nothing is sent before a producer id", "[idempotence]") {
  IdempotenceState tm(true);
  CHECK(tm.needs_producer_id());
  CHECK_FALSE(tm.can_send("t", 0, batch(0)));
  tm.set_producer_id_and_epoch({7, 3});
  CHECK_FALSE(tm.needs_producer_id());
  CHECK(tm.can_send("t", 0, batch(0)));
}

TEST_CASE("idempotence: base sequences advance by record count per partition", "[idempotence]") {
  auto tm = ready_manager(42, 5);
  CHECK(tm.on_send("t", 0, batch(0), 10) == ProducerState{42, 5, 0});
  CHECK(tm.on_send("t", 0, batch(1), 3) == ProducerState{42, 5, 10});
  CHECK(tm.on_send("t", 1, batch(2), 4) == ProducerState{42, 5, 0});  // partitions are independent
  CHECK(tm.on_send("u", 0, batch(3), 1) == ProducerState{42, 5, 0});
  CHECK(tm.next_sequence("t", 0) == 13);
  tm.on_acknowledged("t", 0, batch(0));
  CHECK(tm.last_acked_sequence("t", 0) == 9);
  tm.on_acknowledged("t", 0, batch(1));
  CHECK(tm.last_acked_sequence("t", 0) == 12);
  CHECK(tm.unacknowledged("t", 0) == 0);
  CHECK(tm.in_flight("t", 0) == 0);
}

TEST_CASE("idempotence: sequences wrap from INT32_MAX to 0", "[idempotence]") {
  constexpr std::int32_t max = std::numeric_limits<std::int32_t>::max();
  CHECK(kwire::detail::increment_sequence(max, 1) == 0);
  CHECK(kwire::detail::increment_sequence(max - 1, 3) == 1);
  CHECK(kwire::detail::increment_sequence(5, 3) == 8);
}

TEST_CASE("idempotence: at most five batches of a partition are in flight", "[idempotence]") {
  auto tm = ready_manager();
  for (int i = 0; i < 5; ++i) {
    REQUIRE(tm.can_send("t", 0, batch(i)));
    tm.on_send("t", 0, batch(i), 1);
  }
  CHECK_FALSE(tm.can_send("t", 0, batch(5)));
  CHECK(tm.can_send("t", 1, batch(5)));  // another partition is not limited
  tm.on_acknowledged("t", 0, batch(0));
  CHECK(tm.can_send("t", 0, batch(5)));
}

TEST_CASE("idempotence: a retry keeps its sequence and goes alone, oldest first", "[idempotence]") {
  auto tm = ready_manager();
  for (int i = 0; i < 3; ++i) tm.on_send("t", 0, batch(i), 2);  // sequences 0, 2, 4
  // The broker went away: every in-flight batch is retried.
  CHECK(tm.on_error("t", 0, batch(0), SequenceError::retriable) == ErrorAction::retry);
  CHECK_FALSE(tm.can_send("t", 0, batch(0)));  // batches 1 and 2 are still in flight
  CHECK_FALSE(tm.can_send("t", 0, batch(7)));  // nothing new overtakes a pending retry
  tm.on_no_response("t", 0, batch(1));
  CHECK(tm.on_error("t", 0, batch(2), SequenceError::retriable) == ErrorAction::retry);
  CHECK(tm.has_pending_retry("t", 0));
  CHECK_FALSE(tm.can_send("t", 0, batch(1)));  // not the oldest
  REQUIRE(tm.can_send("t", 0, batch(0)));
  CHECK(tm.on_send("t", 0, batch(0), 2).base_sequence == 0);
  CHECK_FALSE(tm.can_send("t", 0, batch(1)));  // the retry is in flight
  tm.on_acknowledged("t", 0, batch(0));
  REQUIRE(tm.can_send("t", 0, batch(1)));
  CHECK(tm.on_send("t", 0, batch(1), 2).base_sequence == 2);
  tm.on_acknowledged("t", 0, batch(1));
  CHECK(tm.on_send("t", 0, batch(2), 2).base_sequence == 4);
  tm.on_acknowledged("t", 0, batch(2));
  REQUIRE(tm.can_send("t", 0, batch(7)));
  CHECK(tm.on_send("t", 0, batch(7), 1).base_sequence == 6);
  CHECK(tm.epoch_bumps() == 0);
}

TEST_CASE("idempotence: OUT_OF_ORDER_SEQUENCE_NUMBER behind an unresolved batch is a plain retry",
          "[idempotence]") {
  auto tm = ready_manager(9, 0);
  tm.on_send("t", 0, batch(0), 1);
  tm.on_send("t", 0, batch(1), 1);
  // Batch 0 failed retriably, so batch 1 arrived out of order.
  tm.on_error("t", 0, batch(0), SequenceError::retriable);
  CHECK(tm.on_error("t", 0, batch(1), SequenceError::out_of_order_sequence) == ErrorAction::retry);
  CHECK_FALSE(tm.needs_resequencing("t", 0));
  tm.apply_pending_resequencing();
  CHECK(tm.producer_id_and_epoch() == ProducerIdAndEpoch{9, 0});
  CHECK(tm.on_send("t", 0, batch(0), 1) == ProducerState{9, 0, 0});
}

TEST_CASE("idempotence: OUT_OF_ORDER_SEQUENCE_NUMBER on the next expected batch bumps the epoch",
          "[idempotence]") {
  auto tm = ready_manager(9, 4);
  tm.on_send("t", 0, batch(0), 5);  // 0..4
  tm.on_acknowledged("t", 0, batch(0));
  tm.on_send("t", 0, batch(1), 2);  // 5..6
  tm.on_send("t", 0, batch(2), 3);  // 7..9
  tm.on_send("t", 1, batch(3), 1);  // another partition, in flight under epoch 4
  // The broker expected 5 and says it is out of order: a real gap.
  CHECK(tm.on_error("t", 0, batch(1), SequenceError::out_of_order_sequence) == ErrorAction::retry);
  CHECK(tm.needs_resequencing("t", 0));
  CHECK_FALSE(tm.can_send("t", 0, batch(1)));
  tm.apply_pending_resequencing();
  CHECK(tm.producer_id_and_epoch() == ProducerIdAndEpoch{9, 5});
  // Batch 2 is still in flight under the old epoch: no re-sequencing yet.
  CHECK(tm.needs_resequencing("t", 0));
  CHECK(tm.on_error("t", 0, batch(2), SequenceError::out_of_order_sequence) == ErrorAction::retry);
  tm.apply_pending_resequencing();
  CHECK(tm.producer_id_and_epoch() == ProducerIdAndEpoch{9, 5});  // one bump only
  CHECK_FALSE(tm.needs_resequencing("t", 0));
  CHECK(tm.state_of("t", 0, batch(1)) == ProducerState{9, 5, 0});
  CHECK(tm.state_of("t", 0, batch(2)) == ProducerState{9, 5, 2});
  REQUIRE(tm.can_send("t", 0, batch(1)));
  CHECK(tm.on_send("t", 0, batch(1), 2) == ProducerState{9, 5, 0});
  tm.on_acknowledged("t", 0, batch(1));
  CHECK(tm.on_send("t", 0, batch(2), 3) == ProducerState{9, 5, 2});
  tm.on_acknowledged("t", 0, batch(2));
  CHECK(tm.on_send("t", 0, batch(4), 1) == ProducerState{9, 5, 5});

  // Partition 1 finishes its old-epoch batch, then starts over at 0.
  CHECK_FALSE(tm.can_send("t", 1, batch(5)));
  tm.on_acknowledged("t", 1, batch(3));
  REQUIRE(tm.can_send("t", 1, batch(5)));
  CHECK(tm.on_send("t", 1, batch(5), 1) == ProducerState{9, 5, 0});
  CHECK(tm.epoch_bumps() == 1);
}

TEST_CASE("idempotence: UNKNOWN_PRODUCER_ID re-sequences under a bumped epoch", "[idempotence]") {
  auto tm = ready_manager(3, 0);
  tm.on_send("t", 0, batch(0), 1);
  tm.on_send("t", 0, batch(1), 1);
  tm.on_send("t", 0, batch(2), 1);
  tm.on_acknowledged("t", 0, batch(0));
  CHECK(tm.on_error("t", 0, batch(1), SequenceError::unknown_producer_id) == ErrorAction::retry);
  CHECK(tm.on_error("t", 0, batch(2), SequenceError::unknown_producer_id) == ErrorAction::retry);
  tm.apply_pending_resequencing();
  CHECK(tm.producer_id_and_epoch() == ProducerIdAndEpoch{3, 1});
  CHECK(tm.on_send("t", 0, batch(1), 1) == ProducerState{3, 1, 0});
  tm.on_acknowledged("t", 0, batch(1));
  CHECK(tm.on_send("t", 0, batch(2), 1) == ProducerState{3, 1, 1});
}

TEST_CASE("idempotence: INVALID_PRODUCER_EPOCH fetches a new producer id", "[idempotence]") {
  auto tm = ready_manager(3, 2);
  tm.on_send("t", 0, batch(0), 4);
  tm.on_send("t", 0, batch(1), 4);
  CHECK(tm.on_error("t", 0, batch(0), SequenceError::invalid_producer_epoch) == ErrorAction::retry);
  CHECK(tm.needs_producer_id());
  CHECK_FALSE(tm.can_send("t", 0, batch(0)));
  tm.on_error("t", 0, batch(1), SequenceError::retriable);
  tm.set_producer_id_and_epoch({77, 0});
  tm.apply_pending_resequencing();
  REQUIRE(tm.can_send("t", 0, batch(0)));
  CHECK(tm.on_send("t", 0, batch(0), 4) == ProducerState{77, 0, 0});
  tm.on_acknowledged("t", 0, batch(0));
  CHECK(tm.on_send("t", 0, batch(1), 4) == ProducerState{77, 0, 4});
}

TEST_CASE("idempotence: a batch that fails for good leaves no hole for later batches", "[idempotence]") {
  auto tm = ready_manager(5, 0);
  tm.on_send("t", 0, batch(0), 2);
  tm.on_send("t", 0, batch(1), 2);
  CHECK(tm.on_error("t", 0, batch(0), SequenceError::fatal) == ErrorAction::fail);
  CHECK(tm.unacknowledged("t", 0) == 1);
  tm.on_acknowledged("t", 0, batch(1));  // written before the broker noticed? still fine
  tm.apply_pending_resequencing();
  CHECK(tm.producer_id_and_epoch() == ProducerIdAndEpoch{5, 1});
  CHECK(tm.on_send("t", 0, batch(2), 1) == ProducerState{5, 1, 0});
}

TEST_CASE("idempotence: an abandoned (expired) batch re-sequences the rest", "[idempotence]") {
  auto tm = ready_manager(5, 0);
  send_two_refused(tm);
  tm.on_abandoned("t", 0, batch(0));
  tm.apply_pending_resequencing();
  CHECK(tm.producer_id_and_epoch() == ProducerIdAndEpoch{5, 1});
  CHECK(tm.state_of("t", 0, batch(1)) == ProducerState{5, 1, 0});
  CHECK(tm.can_send("t", 0, batch(1)));
}

TEST_CASE("idempotence: an exhausted epoch asks for a new producer id", "[idempotence]") {
  auto tm = ready_manager(5, std::numeric_limits<std::int16_t>::max());
  tm.on_send("t", 0, batch(0), 1);
  tm.on_error("t", 0, batch(0), SequenceError::unknown_producer_id);
  tm.apply_pending_resequencing();
  CHECK(tm.needs_producer_id());
  tm.set_producer_id_and_epoch({6, 0});
  tm.apply_pending_resequencing();
  CHECK(tm.on_send("t", 0, batch(0), 1) == ProducerState{6, 0, 0});
}

TEST_CASE("idempotence off: no producer state, order still kept under retries", "[idempotence]") {
  IdempotenceState tm(false, 5);
  CHECK_FALSE(tm.needs_producer_id());
  CHECK(tm.on_send("t", 0, batch(0), 1) == ProducerState{});
  tm.on_send("t", 0, batch(1), 1);
  tm.on_error("t", 0, batch(0), SequenceError::retriable);
  // Sequence errors cannot be retried without a producer id.
  CHECK(tm.on_error("t", 0, batch(1), SequenceError::out_of_order_sequence) == ErrorAction::fail);
  CHECK_FALSE(tm.can_send("t", 0, batch(2)));
  CHECK(tm.can_send("t", 0, batch(0)));
  tm.on_send("t", 0, batch(0), 1);
  CHECK(tm.in_flight("t", 0) == 1);
  CHECK_FALSE(tm.has_pending_retry("t", 0));
}

TEST_CASE("idempotence: new batches wait until a retried batch is resolved", "[idempotence]") {
  auto tm = ready_manager(9, 0);
  tm.on_send("t", 0, batch(0), 2);  // 0..1, its answer is lost
  tm.on_no_response("t", 0, batch(0));
  CHECK_FALSE(tm.can_send("t", 0, batch(1)));  // a retry is pending
  REQUIRE(tm.can_send("t", 0, batch(0)));
  CHECK(tm.on_send("t", 0, batch(0), 2) == ProducerState{9, 0, 0});  // same sequence again
  // The retry is in flight, but its outcome is still unknown: nothing new may
  // be written behind it, or the first write could leave the broker's window.
  CHECK_FALSE(tm.can_send("t", 0, batch(1)));
  CHECK(tm.can_send("t", 1, batch(2)));  // other partitions are not held up
  tm.on_acknowledged("t", 0, batch(0));
  CHECK(tm.can_send("t", 0, batch(1)));
  CHECK(tm.on_send("t", 0, batch(1), 1) == ProducerState{9, 0, 2});
}

TEST_CASE("idempotence: a later acknowledgement does not prove an older batch written", "[idempotence]") {
  auto tm = ready_manager(9, 0);
  tm.on_send("t", 0, batch(0), 3);  // 0..2: written, answer lost
  tm.on_send("t", 0, batch(1), 3);  // 3..5: acknowledged
  tm.on_no_response("t", 0, batch(0));
  tm.on_acknowledged("t", 0, batch(1));
  // The broker may have taken 3..5 as our first batch on the partition
  // (it held no state for us): 0..2 may or may not be in the log.
  CHECK(tm.write_state("t", 0, batch(0)) == WriteState::possibly_written);
  REQUIRE(tm.can_send("t", 0, batch(0)));
  CHECK(tm.on_send("t", 0, batch(0), 3) == ProducerState{9, 0, 0});
  // Refused alone under its own sequence: it fails as possibly written, it
  // is not reported written, and it is not renumbered (it cannot go after 3..5).
  const auto decision = tm.on_error("t", 0, batch(0), SequenceError::out_of_order_sequence);
  CHECK(decision == ErrorAction::fail);
  CHECK(decision.state == WriteState::possibly_written);
  CHECK(tm.unacknowledged("t", 0) == 0);
  CHECK(tm.in_flight("t", 0) == 0);
  tm.apply_pending_resequencing();
  CHECK(tm.epoch_bumps() == 0);  // the broker is past 0..2 already: no hole
  CHECK(tm.next_sequence("t", 0) == 6);
}

TEST_CASE("idempotence: a plain retriable error on a written batch is still retried", "[idempotence]") {
  auto tm = ready_manager(9, 0);
  tm.on_send("t", 0, batch(0), 1);
  tm.on_send("t", 0, batch(1), 1);
  tm.on_no_response("t", 0, batch(0));
  tm.on_acknowledged("t", 0, batch(1));
  tm.on_send("t", 0, batch(0), 1);
  // NOT_LEADER and the like say nothing about the earlier write: try again
  // (the new leader will answer it as a duplicate).
  CHECK(tm.on_error("t", 0, batch(0), SequenceError::retriable) == ErrorAction::retry);
  CHECK(tm.write_state("t", 0, batch(0)) == WriteState::possibly_written);
}

TEST_CASE("idempotence: a possibly written batch behind an expired one keeps its epoch and sequence",
          "[idempotence]") {
  auto tm = ready_manager(9, 0);
  tm.on_send("t", 0, batch(0), 2);  // A: 0..1
  tm.on_send("t", 0, batch(1), 2);  // B: 2..3
  tm.on_no_response("t", 0, batch(0));
  tm.on_no_response("t", 0, batch(1));
  // A expires: reported as possibly written; its sequences may be a hole.
  CHECK(tm.on_abandoned("t", 0, batch(0)) == WriteState::possibly_written);
  tm.apply_pending_resequencing();
  CHECK(tm.producer_id_and_epoch() == ProducerIdAndEpoch{9, 1});
  // B may be in the log: it is settled under epoch 0 and sequence 2, alone.
  CHECK(tm.state_of("t", 0, batch(1)) == ProducerState{9, 0, 2});
  CHECK_FALSE(tm.can_send("t", 0, batch(2)));
  REQUIRE(tm.can_send("t", 0, batch(1)));
  CHECK(tm.on_send("t", 0, batch(1), 2) == ProducerState{9, 0, 2});
  CHECK_FALSE(tm.can_send("t", 0, batch(2)));
  tm.on_acknowledged("t", 0, batch(1));  // DUPLICATE_SEQUENCE_NUMBER: it was written
  tm.apply_pending_resequencing();
  REQUIRE(tm.can_send("t", 0, batch(2)));
  CHECK(tm.on_send("t", 0, batch(2), 1) == ProducerState{9, 1, 0});
}

TEST_CASE("idempotence: after a hole only batches that cannot be in the log are renumbered", "[idempotence]") {
  auto tm = ready_manager(9, 0);
  tm.on_send("t", 0, batch(0), 1);  // A: possibly written, then expires
  tm.on_send("t", 0, batch(1), 1);  // B: possibly written
  tm.on_send("t", 0, batch(2), 1);  // C: its request never left the client
  tm.on_send("t", 0, batch(3), 1);  // D: refused unwritten (NOT_LEADER)
  tm.on_no_response("t", 0, batch(0));
  tm.on_no_response("t", 0, batch(1));
  tm.on_no_response("t", 0, batch(2), false);
  CHECK(tm.on_error("t", 0, batch(3), SequenceError::retriable) == ErrorAction::retry);
  CHECK(tm.write_state("t", 0, batch(2)) == WriteState::never_sent);
  CHECK(tm.write_state("t", 0, batch(3)) == WriteState::not_written);
  CHECK(tm.on_abandoned("t", 0, batch(0)) == WriteState::possibly_written);
  tm.apply_pending_resequencing();
  REQUIRE(tm.can_send("t", 0, batch(1)));
  CHECK_FALSE(tm.can_send("t", 0, batch(2)));
  CHECK(tm.on_send("t", 0, batch(1), 1) == ProducerState{9, 0, 1});
  tm.on_acknowledged("t", 0, batch(1));
  tm.apply_pending_resequencing();
  // C and D were never appended: they start again at 0 under epoch 1.
  CHECK(tm.state_of("t", 0, batch(2)) == ProducerState{9, 1, 0});
  CHECK(tm.state_of("t", 0, batch(3)) == ProducerState{9, 1, 1});
  CHECK(tm.epoch_bumps() == 1);
}

TEST_CASE("idempotence: a refused batch older than a possibly written one fails rather than go after it",
          "[idempotence]") {
  auto tm = ready_manager(9, 0);
  tm.on_send("t", 0, batch(0), 2);  // A: refused unwritten
  tm.on_send("t", 0, batch(1), 2);  // B: written, answer lost (the broker's first batch of ours)
  CHECK(tm.on_error("t", 0, batch(0), SequenceError::retriable) == ErrorAction::retry);
  tm.on_no_response("t", 0, batch(1));
  REQUIRE(tm.can_send("t", 0, batch(0)));
  CHECK(tm.on_send("t", 0, batch(0), 2) == ProducerState{9, 0, 0});
  const auto decision = tm.on_error("t", 0, batch(0), SequenceError::out_of_order_sequence);
  CHECK(decision == ErrorAction::fail);
  CHECK(decision.state == WriteState::not_written);
  tm.apply_pending_resequencing();
  // B is retried under its own sequence (a duplicate if written), not renumbered.
  REQUIRE(tm.can_send("t", 0, batch(1)));
  CHECK(tm.on_send("t", 0, batch(1), 2) == ProducerState{9, 0, 2});
}

TEST_CASE("idempotence: OUT_OF_ORDER_SEQUENCE_NUMBER on an unpinned oldest batch renumbers it", "[idempotence]") {
  auto tm = ready_manager(9, 0);
  tm.on_send("t", 0, batch(0), 2);
  CHECK(tm.on_error("t", 0, batch(0), SequenceError::retriable) == ErrorAction::retry);
  tm.on_send("t", 0, batch(0), 2);
  // Refused every time before any append: nothing of it is in the log.
  CHECK(tm.on_error("t", 0, batch(0), SequenceError::out_of_order_sequence) == ErrorAction::retry);
  tm.apply_pending_resequencing();
  CHECK(tm.on_send("t", 0, batch(0), 2) == ProducerState{9, 1, 0});
}

TEST_CASE("idempotence: a lone retry refused as out of order is not in the log and is renumbered",
          "[idempotence]") {
  auto tm = ready_manager(9, 0);
  tm.on_send("t", 0, batch(0), 2);
  tm.on_no_response("t", 0, batch(0));  // possibly written
  REQUIRE(tm.can_send("t", 0, batch(0)));
  CHECK(tm.on_send("t", 0, batch(0), 2) == ProducerState{9, 0, 0});
  // Alone, with nothing later of ours on the partition: had the first
  // attempt been appended, the broker would have answered a duplicate.
  CHECK(tm.on_error("t", 0, batch(0), SequenceError::out_of_order_sequence) == ErrorAction::retry);
  CHECK(tm.write_state("t", 0, batch(0)) == WriteState::not_written);
  tm.apply_pending_resequencing();
  REQUIRE(tm.can_send("t", 0, batch(0)));
  CHECK(tm.on_send("t", 0, batch(0), 2) == ProducerState{9, 1, 0});
}

// Found by tests/fuzz/sender_faults_fuzz.cpp: B, given up while possibly in
// the log, took A's pin with it, and A was renumbered under a new epoch and
// written after B.
TEST_CASE("idempotence: a batch older than a possibly written one that was given up is not renumbered",
          "[idempotence]") {
  auto tm = ready_manager(9, 0);
  tm.on_send("t", 0, batch(0), 2);  // A: refused unwritten
  tm.on_send("t", 0, batch(1), 2);  // B: the broker's first batch of ours, maybe appended
  CHECK(tm.on_error("t", 0, batch(0), SequenceError::retriable) == ErrorAction::retry);
  SECTION("B fails for good with an error that may follow its append (UNKNOWN_SERVER_ERROR)") {
    const auto given_up = tm.on_error("t", 0, batch(1), SequenceError::fatal, true);
    CHECK(given_up == ErrorAction::fail);
    CHECK(given_up.state == WriteState::possibly_written);
  }
  SECTION("B's answer is lost, then it expires") {
    tm.on_no_response("t", 0, batch(1));
    CHECK(tm.on_abandoned("t", 0, batch(1)) == WriteState::possibly_written);
  }
  tm.apply_pending_resequencing();
  // A cannot be written after B: it is settled under its own sequence, alone.
  CHECK(tm.state_of("t", 0, batch(0)) == ProducerState{9, 0, 0});
  REQUIRE(tm.can_send("t", 0, batch(0)));
  CHECK(tm.on_send("t", 0, batch(0), 2) == ProducerState{9, 0, 0});
  // The broker took B and is past A: A fails as never written.
  const auto decision = tm.on_error("t", 0, batch(0), SequenceError::out_of_order_sequence);
  CHECK(decision == ErrorAction::fail);
  CHECK(decision.state == WriteState::not_written);
}

}  // namespace idempotence_test
