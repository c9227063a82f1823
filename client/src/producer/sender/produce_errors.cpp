// Produce error classification and retry backoff: see produce_errors.hpp.
#include "producer/sender/produce_errors.hpp"

#include <algorithm>

#include "kwire/protocol/errors.hpp"

namespace kwire::detail {

using protocol::kafka_errc;

ProduceErrorClass classify_produce_error(std::int16_t error_code) noexcept {
  ProduceErrorClass c;
  switch (static_cast<kafka_errc>(error_code)) {
    case kafka_errc{0}:
    case kafka_errc::duplicate_sequence_number:
      c.success = true;
      return c;
    case kafka_errc::out_of_order_sequence_number:
      c.kind = SequenceError::out_of_order_sequence;
      return c;
    case kafka_errc::unknown_producer_id:
      c.kind = SequenceError::unknown_producer_id;
      return c;
    // PRODUCER_FENCED (transactional): a newer producer took our id. Handled
    // as INVALID_PRODUCER_EPOCH, which a transactional producer turns fatal.
    case kafka_errc::invalid_producer_epoch:
    case kafka_errc::producer_fenced:
      c.kind = SequenceError::invalid_producer_epoch;
      return c;
    // The Java client's InvalidMetadataException family: the leader or the
    // topic changed, so look it up again before retrying.
    case kafka_errc::unknown_topic_or_partition:
    case kafka_errc::leader_not_available:
    case kafka_errc::not_leader_or_follower:
    case kafka_errc::kafka_storage_error:
    case kafka_errc::fenced_leader_epoch:
    case kafka_errc::unknown_leader_epoch:
    case kafka_errc::unknown_topic_id:
    case kafka_errc::inconsistent_topic_id:
      c.kind = SequenceError::retriable;
      c.refresh_metadata = true;
      return c;
    default:
      break;
  }
  c.kind = protocol::is_retriable(protocol::kafka_error(error_code)) ? SequenceError::retriable : SequenceError::fatal;
  return c;
}

bool may_follow_append(std::int16_t error_code) noexcept {
  switch (static_cast<kafka_errc>(error_code)) {
    case kafka_errc::request_timed_out:
    case kafka_errc::not_enough_replicas_after_append:
    case kafka_errc::kafka_storage_error:
    case kafka_errc::unknown_server_error:
    case kafka_errc::network_exception:
      return true;
    default:
      return false;
  }
}

std::chrono::milliseconds RetryPolicy::backoff_for(int attempts) const noexcept {
  auto b = backoff;
  for (int i = 1; i < attempts && b < backoff_max; ++i) b *= 2;
  return std::max(std::min(b, std::max(backoff_max, backoff)), std::chrono::milliseconds(0));
}

}  // namespace kwire::detail
