// What a Produce error code means to the producer: written, retriable (and
// whether the partition's leader must be looked up again), one of the
// sequence errors the idempotence state handles, or fatal for the batch; and
// how long to back off before a retry. Pure functions, any thread.
#pragma once

#include <chrono>
#include <cstdint>

#include "producer/idempotence/idempotence_state.hpp"

namespace kwire::detail {

struct ProduceErrorClass {
  bool success = false;           // NONE, or DUPLICATE_SEQUENCE_NUMBER (written by an earlier try)
  SequenceError kind = SequenceError::fatal;
  bool refresh_metadata = false;  // the leader may have moved, or the topic changed
};
ProduceErrorClass classify_produce_error(std::int16_t error_code) noexcept;
// True when a Produce error may come after the leader appended the batch
// (REQUEST_TIMED_OUT waiting for replicas, NOT_ENOUGH_REPLICAS_AFTER_APPEND,
// KAFKA_STORAGE_ERROR, an unknown server error): the batch may be in the log.
bool may_follow_append(std::int16_t error_code) noexcept;

struct RetryPolicy {
  std::int32_t retries = 2147483647;
  std::chrono::milliseconds backoff{100};
  std::chrono::milliseconds backoff_max{1000};
  // retry.backoff.ms doubling per attempt up to retry.backoff.max.ms (KIP-580, without jitter).
  std::chrono::milliseconds backoff_for(int attempts) const noexcept;
};

}  // namespace kwire::detail
