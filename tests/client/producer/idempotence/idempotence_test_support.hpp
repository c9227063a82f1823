// Shared by the IdempotenceState tests: opaque batch keys and states with a
// producer id, outside a transaction or inside one.
#pragma once

#include <cstdint>
#include <limits>

#include "producer/idempotence/idempotence_state.hpp"

namespace idempotence_test {

using kwire::detail::BatchKey;
using kwire::detail::EpochBumps;
using kwire::detail::ErrorAction;
using kwire::detail::IdempotenceState;
using kwire::detail::ProducerIdAndEpoch;
using kwire::detail::ProducerState;
using kwire::detail::SequenceError;
using kwire::detail::WriteState;

// Distinct opaque keys standing in for batches.
inline int slots[16];
inline BatchKey batch(int i) { return &slots[i]; }

inline IdempotenceState ready_manager(std::int64_t pid = 1000, std::int16_t epoch = 0) {
  IdempotenceState tm(true);
  tm.set_producer_id_and_epoch({pid, epoch});
  return tm;
}

inline IdempotenceState transactional_manager(std::int64_t pid, std::int16_t epoch) {
  IdempotenceState tm(true, 5, EpochBumps::by_coordinator);
  tm.set_producer_id_and_epoch({pid, epoch});
  return tm;
}

// Two one-record batches on t/0 (sequences 0 and 1), both refused
// retriably: neither is written, both wait to be sent again.
inline void send_two_refused(IdempotenceState& tm) {
  tm.on_send("t", 0, batch(0), 1);
  tm.on_send("t", 0, batch(1), 1);
  tm.on_error("t", 0, batch(0), SequenceError::retriable);
  tm.on_error("t", 0, batch(1), SequenceError::retriable);
}

}  // namespace idempotence_test
