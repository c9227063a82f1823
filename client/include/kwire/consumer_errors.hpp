// Errors of the consumer's own calls (Kafka error codes from brokers keep
// the Kafka category of kwire/protocol/errors.hpp).
#pragma once

#include <system_error>

namespace kwire {

enum class consumer_errc {
  partition_not_assigned = 1,  // seek/position on a partition the consumer is not assigned
  consumer_closed,             // a call after close()
  consumer_timeout,            // position() or another blocking call ran out of time
  invalid_offset,              // seek() to a negative offset
  no_group_id,                 // commit()/committed()/subscribe() without group.id
  assignment_conflict,         // subscribe() with partitions assign()ed, or assign() while subscribed
  unsupported_assignor,        // subscribe() with no partition.assignment.strategy kwire runs yet
  poll_interval_exceeded,      // no poll() for max.poll.interval.ms: the consumer left its group
  log_truncation,              // a new leader's log diverges below the position (KIP-320) and
                               // auto.offset.reset is none (Java's LogTruncationException)
};

const std::error_category& consumer_category() noexcept;
std::error_code make_error_code(consumer_errc e) noexcept;

}  // namespace kwire

template <>
struct std::is_error_code_enum<kwire::consumer_errc> : std::true_type {};
