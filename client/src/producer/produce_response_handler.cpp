// Produce outcomes per batch: see produce_response_handler.hpp. io thread only.
#include "producer/produce_response_handler.hpp"

#include <algorithm>
#include <vector>

#include "kwire/errors.hpp"
#include "kwire/net/errors.hpp"
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

std::chrono::milliseconds RetryPolicy::backoff_for(int attempts) const noexcept {
  auto b = backoff;
  for (int i = 1; i < attempts && b < backoff_max; ++i) b *= 2;
  return std::max(std::min(b, std::max(backoff_max, backoff)), std::chrono::milliseconds(0));
}

ProduceResponseHandler::ProduceResponseHandler(TransactionManager& transactions, RetryPolicy policy, Requeue requeue,
                                               RefreshMetadata refresh_metadata)
    : transactions_(transactions),
      policy_(policy),
      requeue_(std::move(requeue)),
      refresh_metadata_(std::move(refresh_metadata)) {}

const ProduceResponseHandler::PartitionResponse* ProduceResponseHandler::find(
    const protocol::messages::ProduceResponse& response, std::string_view topic, std::int32_t partition) noexcept {
  for (const auto& t : response.responses) {
    if (t.name != topic) continue;
    for (const auto& p : t.partition_responses) {
      if (p.index == partition) return &p;
    }
  }
  return nullptr;
}

void ProduceResponseHandler::on_partition_response(BatchPtr batch, const PartitionResponse* response,
                                                   Clock::time_point now) {
  const std::string& topic = batch->topic();
  const std::int32_t partition = batch->partition();
  if (response == nullptr) {
    refresh_metadata_(topic);
    auto action = transactions_.on_error(topic, partition, batch.get(), SequenceError::retriable);
    retry_or_fail(std::move(batch), action, protocol::kafka_errc::unknown_server_error, now);
    return;
  }
  const ProduceErrorClass cls = classify_produce_error(response->error_code);
  if (cls.success) {
    transactions_.on_acknowledged(topic, partition, batch.get());
    const bool duplicate = response->error_code != 0;
    ++(duplicate ? counters_.duplicates : counters_.acknowledged);
    // A duplicate's offset may be -1 (the broker only knows it was written).
    batch->complete(response->base_offset, response->log_append_time_ms, {});
    return;
  }
  const auto code = static_cast<kafka_errc>(response->error_code);
  if ((code == kafka_errc::message_too_large || code == kafka_errc::record_list_too_large) && split(batch)) return;
  const std::error_code error = protocol::kafka_error(response->error_code);
  if (cls.refresh_metadata) refresh_metadata_(topic);
  if (!response->record_errors.empty()) {
    // Produce v8+: the broker names the records that made it drop the batch.
    (void)transactions_.on_error(topic, partition, batch.get(), SequenceError::fatal);
    std::vector<RecordError> record_errors;
    record_errors.reserve(response->record_errors.size());
    for (const auto& r : response->record_errors) record_errors.push_back(RecordError{r.batch_index, error});
    ++counters_.failed;
    batch->complete_with_record_errors(-1, error, record_errors);
    return;
  }
  auto action = transactions_.on_error(topic, partition, batch.get(), cls.kind);
  retry_or_fail(std::move(batch), action, error, now);
}

void ProduceResponseHandler::on_request_failed(BatchPtr batch, std::error_code error, Clock::time_point now) {
  const std::string& topic = batch->topic();
  if (net::is_retriable_net_error(error)) {
    // Whether it was written is unknown: same sequence again, and the
    // connection loss may mean the leader moved.
    refresh_metadata_(topic);
    transactions_.on_no_response(topic, batch->partition(), batch.get());
    retry_or_fail(std::move(batch), ErrorAction::retry, error, now);
    return;
  }
  auto action = transactions_.on_error(topic, batch->partition(), batch.get(), SequenceError::fatal);
  retry_or_fail(std::move(batch), action, error, now);
}

void ProduceResponseHandler::on_written_without_ack(BatchPtr batch) {
  transactions_.on_acknowledged(batch->topic(), batch->partition(), batch.get());
  ++counters_.acknowledged;
  batch->complete(-1, -1, {});
}

void ProduceResponseHandler::on_expired(BatchPtr batch) {
  transactions_.on_abandoned(batch->topic(), batch->partition(), batch.get());
  ++counters_.expired;
  batch->complete(-1, -1, errc::delivery_timeout);
}

void ProduceResponseHandler::on_abandoned(BatchPtr batch, std::error_code error) {
  transactions_.on_abandoned(batch->topic(), batch->partition(), batch.get());
  fail(std::move(batch), error);
}

void ProduceResponseHandler::retry_or_fail(BatchPtr batch, ErrorAction action, std::error_code error,
                                           Clock::time_point now) {
  if (action == ErrorAction::already_written) {
    ++counters_.duplicates;
    batch->complete(-1, -1, {});  // written, but the broker no longer knows where
    return;
  }
  if (action == ErrorAction::fail) {
    fail(std::move(batch), error);
    return;
  }
  if (batch->attempts() >= policy_.retries) {
    transactions_.on_abandoned(batch->topic(), batch->partition(), batch.get());
    fail(std::move(batch), error);
    return;
  }
  const auto not_before = now + policy_.backoff_for(batch->attempts() + 1);
  if (not_before >= batch->delivery_deadline()) {
    // It would only expire while waiting: report it now.
    transactions_.on_abandoned(batch->topic(), batch->partition(), batch.get());
    ++counters_.expired;
    batch->complete(-1, -1, errc::delivery_timeout);
    return;
  }
  ++counters_.retries;
  batch->prepare_retry(not_before);
  requeue_(std::move(batch));
}

bool ProduceResponseHandler::split(BatchPtr& batch) {
  // One record cannot be split: it fails alone with the broker's error.
  if (splitter_ == nullptr || batch->record_count() < 2) return false;
  std::vector<BatchPtr> parts = splitter_->split_batch(*batch);
  if (parts.empty()) return false;
  const std::string& topic = batch->topic();
  const std::int32_t partition = batch->partition();
  std::vector<std::pair<BatchKey, std::int32_t>> keys;
  keys.reserve(parts.size());
  for (const BatchPtr& part : parts) keys.emplace_back(part.get(), part->record_count());
  transactions_.on_split(topic, partition, batch.get(), keys);
  // The parts carry their sequences from now on, so a retried batch coming
  // back later is queued behind them (the sender stamps them again if the
  // partition is re-sequenced meanwhile).
  const Bytes refused = batch->records();
  const bool transactional =
      refused.size() >= protocol::records::batch_header_size &&
      (refused[protocol::records::batch_offsets::attributes + 1] & protocol::records::batch_attributes::transactional) != 0;
  for (BatchPtr& part : parts) {
    const ProducerState state = transactions_.state_of(topic, partition, part.get());
    if (state.base_sequence >= 0) part->set_producer_state(state.producer_id, state.epoch, state.base_sequence, transactional);
  }
  ++counters_.splits;
  batch->complete(-1, -1, {});  // its entries moved to the parts: reports nothing
  splitter_->reenqueue_split(std::move(parts));
  return true;
}

void ProduceResponseHandler::fail(BatchPtr batch, std::error_code error) {
  ++counters_.failed;
  batch->complete(-1, -1, error);
}

}  // namespace kwire::detail
