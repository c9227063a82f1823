// IdempotenceState inside a transaction (EpochBumps::by_coordinator): the
// errors that bump the epoch of an idempotent producer never move it
// locally; the coordinator gives the next epoch.
#include <catch2/catch.hpp>

#include "idempotence_test_support.hpp"

namespace idempotence_test {

TEST_CASE("idempotence in a transaction: 45/59 on the oldest batch fail it, no local epoch bump",
          "[idempotence][transactional]") {
  for (SequenceError error : {SequenceError::out_of_order_sequence, SequenceError::unknown_producer_id}) {
    auto tm = transactional_manager(9, 4);
    tm.on_send("t", 0, batch(0), 5);  // 0..4, acknowledged
    tm.on_acknowledged("t", 0, batch(0));
    tm.on_send("t", 0, batch(1), 2);  // 5..6, refused
    tm.on_send("t", 0, batch(2), 3);  // 7..9, refused as out of order behind it
    tm.on_send("t", 1, batch(3), 1);  // another partition
    // A later batch waits for the older one, as without a transaction.
    CHECK(tm.on_error("t", 0, batch(2), SequenceError::out_of_order_sequence) == ErrorAction::retry);
    const auto decision = tm.on_error("t", 0, batch(1), error);
    CHECK(decision == ErrorAction::fail);
    CHECK(decision.state == WriteState::not_written);
    CHECK(tm.needs_epoch_bump());
    tm.apply_pending_resequencing();
    // The coordinator's epoch stays: EndTxn must carry it.
    CHECK(tm.producer_id_and_epoch() == ProducerIdAndEpoch{9, 4});
    CHECK(tm.epoch_bumps() == 0);
    CHECK_FALSE(tm.needs_producer_id());
    // Nothing of the partition goes under the old epoch with new sequences.
    CHECK(tm.needs_resequencing("t", 0));
    CHECK_FALSE(tm.can_send("t", 0, batch(2)));
    CHECK_FALSE(tm.can_send("t", 0, batch(4)));
    // The abort fails what is left; the other partition's batch was written.
    CHECK(tm.on_abandoned("t", 0, batch(2)) == WriteState::not_written);
    tm.on_acknowledged("t", 1, batch(3));
    tm.apply_pending_resequencing();
    CHECK(tm.producer_id_and_epoch() == ProducerIdAndEpoch{9, 4});
    CHECK_FALSE(tm.can_send("t", 0, batch(4)));

    // InitProducerId at the coordinator gives epoch 5: every partition starts at 0.
    tm.set_producer_id_and_epoch({9, 5});
    CHECK_FALSE(tm.needs_epoch_bump());
    tm.apply_pending_resequencing();
    CHECK_FALSE(tm.needs_resequencing("t", 0));
    REQUIRE(tm.can_send("t", 0, batch(4)));
    CHECK(tm.on_send("t", 0, batch(4), 2) == ProducerState{9, 5, 0});
    REQUIRE(tm.can_send("t", 1, batch(5)));
    CHECK(tm.on_send("t", 1, batch(5), 1) == ProducerState{9, 5, 0});
    CHECK(tm.epoch_bumps() == 0);
  }
}

TEST_CASE("idempotence in a transaction: an abandoned batch waits for the coordinator's epoch",
          "[idempotence][transactional]") {
  auto tm = transactional_manager(3, 0);
  send_two_refused(tm);
  // The abort gives both up; their sequences may leave a hole.
  tm.on_abandoned("t", 0, batch(0));
  tm.on_abandoned("t", 0, batch(1));
  CHECK(tm.needs_epoch_bump());
  tm.apply_pending_resequencing();
  CHECK(tm.producer_id_and_epoch() == ProducerIdAndEpoch{3, 0});
  CHECK_FALSE(tm.can_send("t", 0, batch(2)));
  tm.set_producer_id_and_epoch({3, 1});
  tm.apply_pending_resequencing();
  REQUIRE(tm.can_send("t", 0, batch(2)));
  CHECK(tm.on_send("t", 0, batch(2), 1) == ProducerState{3, 1, 0});
}

TEST_CASE("idempotence without a transaction still bumps its epoch itself on 45", "[idempotence][transactional]") {
  auto tm = ready_manager(9, 4);
  tm.on_send("t", 0, batch(0), 2);
  CHECK(tm.on_error("t", 0, batch(0), SequenceError::out_of_order_sequence) == ErrorAction::retry);
  CHECK_FALSE(tm.needs_epoch_bump());
  tm.apply_pending_resequencing();
  CHECK(tm.producer_id_and_epoch() == ProducerIdAndEpoch{9, 5});
}

}  // namespace idempotence_test
