// Produce outcomes per batch: see batch_outcomes.hpp. io thread only.
#include "producer/sender/batch_outcomes.hpp"

#include <algorithm>
#include <vector>

#include "kwire/errors.hpp"
#include "kwire/net/errors.hpp"
#include "kwire/protocol/errors.hpp"

namespace kwire::detail {

using protocol::kafka_errc;

BatchOutcomes::BatchOutcomes(IdempotenceState& idempotence, RetryPolicy policy, Requeue requeue,
                             RefreshMetadata refresh_metadata)
    : idempotence_(idempotence),
      policy_(policy),
      requeue_(std::move(requeue)),
      refresh_metadata_(std::move(refresh_metadata)) {}

const BatchOutcomes::PartitionResponse* BatchOutcomes::find(
    const protocol::messages::ProduceResponse& response, std::string_view topic, std::int32_t partition) noexcept {
  for (const auto& t : response.responses) {
    if (t.name != topic) continue;
    for (const auto& p : t.partition_responses) {
      if (p.index == partition) return &p;
    }
  }
  return nullptr;
}

void BatchOutcomes::on_partition_response(BatchPtr batch, const PartitionResponse* response,
                                          Clock::time_point now) {
  const std::string& topic = batch->topic();
  const std::int32_t partition = batch->partition();
  if (response == nullptr) {
    refresh_metadata_(topic);
    auto action = idempotence_.on_error(topic, partition, batch.get(), SequenceError::retriable);
    retry_or_fail(std::move(batch), action, protocol::kafka_errc::unknown_server_error, now);
    return;
  }
  const ProduceErrorClass cls = classify_produce_error(response->error_code);
  if (cls.success) {
    idempotence_.on_acknowledged(topic, partition, batch.get());
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
    (void)idempotence_.on_error(topic, partition, batch.get(), SequenceError::fatal);
    std::vector<RecordError> record_errors;
    record_errors.reserve(response->record_errors.size());
    for (const auto& r : response->record_errors) record_errors.push_back(RecordError{r.batch_index, error});
    ++counters_.failed;
    batch->complete_with_record_errors(-1, error, record_errors);
    return;
  }
  auto action = idempotence_.on_error(topic, partition, batch.get(), cls.kind);
  retry_or_fail(std::move(batch), action, error, now);
}

void BatchOutcomes::on_request_failed(BatchPtr batch, std::error_code error, Clock::time_point now) {
  const std::string& topic = batch->topic();
  if (net::is_retriable_net_error(error)) {
    // Whether it was written is unknown: same sequence again, and the
    // connection loss may mean the leader moved.
    refresh_metadata_(topic);
    idempotence_.on_no_response(topic, batch->partition(), batch.get());
    retry_or_fail(std::move(batch), ErrorAction::retry, error, now);
    return;
  }
  auto action = idempotence_.on_error(topic, batch->partition(), batch.get(), SequenceError::fatal);
  retry_or_fail(std::move(batch), action, error, now);
}

void BatchOutcomes::on_written_without_ack(BatchPtr batch) {
  idempotence_.on_acknowledged(batch->topic(), batch->partition(), batch.get());
  ++counters_.acknowledged;
  batch->complete(-1, -1, {});
}

void BatchOutcomes::on_expired(BatchPtr batch) {
  idempotence_.on_abandoned(batch->topic(), batch->partition(), batch.get());
  ++counters_.expired;
  batch->complete(-1, -1, errc::delivery_timeout);
}

void BatchOutcomes::on_abandoned(BatchPtr batch, std::error_code error) {
  idempotence_.on_abandoned(batch->topic(), batch->partition(), batch.get());
  fail(std::move(batch), error);
}

void BatchOutcomes::retry_or_fail(BatchPtr batch, ErrorAction action, std::error_code error,
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
    idempotence_.on_abandoned(batch->topic(), batch->partition(), batch.get());
    fail(std::move(batch), error);
    return;
  }
  const auto not_before = now + policy_.backoff_for(batch->attempts() + 1);
  if (not_before >= batch->delivery_deadline()) {
    // It would only expire while waiting: report it now.
    idempotence_.on_abandoned(batch->topic(), batch->partition(), batch.get());
    ++counters_.expired;
    batch->complete(-1, -1, errc::delivery_timeout);
    return;
  }
  ++counters_.retries;
  batch->prepare_retry(not_before);
  requeue_(std::move(batch));
}

bool BatchOutcomes::split(BatchPtr& batch) {
  // One record cannot be split: it fails alone with the broker's error.
  if (splitter_ == nullptr || batch->record_count() < 2) return false;
  std::vector<BatchPtr> parts = splitter_->split_batch(*batch);
  if (parts.empty()) return false;
  const std::string& topic = batch->topic();
  const std::int32_t partition = batch->partition();
  std::vector<std::pair<BatchKey, std::int32_t>> keys;
  keys.reserve(parts.size());
  for (const BatchPtr& part : parts) keys.emplace_back(part.get(), part->record_count());
  idempotence_.on_split(topic, partition, batch.get(), keys);
  // The parts carry their sequences from now on, so a retried batch coming
  // back later is queued behind them (the sender stamps them again if the
  // partition is re-sequenced meanwhile).
  const Bytes refused = batch->records();
  const bool transactional =
      refused.size() >= protocol::records::batch_header_size &&
      (refused[protocol::records::batch_offsets::attributes + 1] & protocol::records::batch_attributes::transactional) != 0;
  for (BatchPtr& part : parts) {
    const ProducerState state = idempotence_.state_of(topic, partition, part.get());
    if (state.base_sequence >= 0) part->set_producer_state(state.producer_id, state.epoch, state.base_sequence, transactional);
  }
  ++counters_.splits;
  batch->complete(-1, -1, {});  // its entries moved to the parts: reports nothing
  splitter_->reenqueue_split(std::move(parts));
  return true;
}

void BatchOutcomes::fail(BatchPtr batch, std::error_code error) {
  ++counters_.failed;
  batch->complete(-1, -1, error);
}

}  // namespace kwire::detail
