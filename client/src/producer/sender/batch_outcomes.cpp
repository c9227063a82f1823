// Produce outcomes per batch: see batch_outcomes.hpp. io thread only.
#include "producer/sender/batch_outcomes.hpp"

#include <algorithm>
#include <vector>

#include "kwire/errors.hpp"
#include "kwire/net/errors.hpp"
#include "kwire/protocol/errors.hpp"

namespace kwire::detail {

using protocol::kafka_errc;

DeliveryOutcome outcome_of(WriteState state) noexcept {
  switch (state) {
    case WriteState::never_sent:
      return DeliveryOutcome::not_sent;
    case WriteState::not_written:
      return DeliveryOutcome::rejected;
    case WriteState::possibly_written:
      break;
  }
  return DeliveryOutcome::possibly_written;
}

namespace {
// Reports a failed batch. The write state decides the outcome class.
void complete_failed(ProducerBatch& batch, std::error_code error, WriteState state) {
  batch.complete(-1, -1, error, outcome_of(state));
}
}  // namespace

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

Verdict BatchOutcomes::on_partition_response(ProducerBatch& batch, const PartitionResponse* response,
                                             Clock::time_point now) {
  const std::string& topic = batch.topic();
  const std::int32_t partition = batch.partition();
  if (response == nullptr) {
    // Written, and the answer says nothing of it: as if unanswered.
    idempotence_.on_no_response(topic, partition, &batch, true);
    return {retry_or_fail(batch, {ErrorAction::retry, WriteState::possibly_written},
                          protocol::kafka_errc::unknown_server_error, now),
            true};
  }
  const ProduceErrorClass cls = classify_produce_error(response->error_code);
  if (cls.success) {
    idempotence_.on_acknowledged(topic, partition, &batch);
    const bool duplicate = response->error_code != 0;
    ++(duplicate ? counters_.duplicates : counters_.acknowledged);
    // A duplicate's offset may be -1 (the broker only knows it was written).
    batch.complete(response->base_offset, response->log_append_time_ms, {});
    return {};
  }
  const auto code = static_cast<kafka_errc>(response->error_code);
  // One record cannot be split: it fails alone with the broker's error.
  if ((code == kafka_errc::message_too_large || code == kafka_errc::record_list_too_large) &&
      batch.record_count() >= 2) {
    return {NextStep::split, false};
  }
  return on_refused(batch, *response, now);
}

Verdict BatchOutcomes::on_split(ProducerBatch& refused, std::span<const BatchPtr> parts,
                                const PartitionResponse& response, Clock::time_point now) {
  if (parts.empty()) return on_refused(refused, response, now);
  const std::string& topic = refused.topic();
  const std::int32_t partition = refused.partition();
  std::vector<std::pair<BatchKey, std::int32_t>> keys;
  keys.reserve(parts.size());
  for (const BatchPtr& part : parts) keys.emplace_back(part.get(), part->record_count());
  idempotence_.on_split(topic, partition, &refused, keys);
  // The parts carry their sequences from now on, so a retried batch coming
  // back later is queued behind them (the sender stamps them again if the
  // partition is re-sequenced meanwhile).
  const Bytes bytes = refused.records();
  const bool transactional =
      bytes.size() >= protocol::records::batch_header_size &&
      (bytes[protocol::records::batch_offsets::attributes + 1] & protocol::records::batch_attributes::transactional) != 0;
  for (const BatchPtr& part : parts) {
    const ProducerState state = idempotence_.state_of(topic, partition, part.get());
    if (state.base_sequence >= 0) part->set_producer_state(state.producer_id, state.epoch, state.base_sequence, transactional);
  }
  ++counters_.splits;
  refused.complete(-1, -1, {});  // its entries moved to the parts: reports nothing
  return {};
}

Verdict BatchOutcomes::on_refused(ProducerBatch& batch, const PartitionResponse& response, Clock::time_point now) {
  const std::string& topic = batch.topic();
  const std::int32_t partition = batch.partition();
  const ProduceErrorClass cls = classify_produce_error(response.error_code);
  const std::error_code error = protocol::kafka_error(response.error_code);
  if (!response.record_errors.empty()) {
    // Produce v8+: the broker names the records that made it drop the batch.
    (void)idempotence_.on_error(topic, partition, &batch, SequenceError::fatal, may_follow_append(response.error_code));
    std::vector<RecordError> record_errors;
    record_errors.reserve(response.record_errors.size());
    for (const auto& r : response.record_errors) record_errors.push_back(RecordError{r.batch_index, error});
    ++counters_.failed;
    batch.complete_with_record_errors(-1, error, record_errors);
    return {NextStep::done, cls.refresh_metadata};
  }
  const auto decision =
      idempotence_.on_error(topic, partition, &batch, cls.kind, may_follow_append(response.error_code));
  return {retry_or_fail(batch, decision, error, now), cls.refresh_metadata};
}

Verdict BatchOutcomes::on_request_failed(ProducerBatch& batch, std::error_code error, bool written,
                                         Clock::time_point now) {
  if (written || net::is_retriable_net_error(error)) {
    // Same sequence again (a written one may be in the log), and the
    // connection loss may mean the leader moved.
    idempotence_.on_no_response(batch.topic(), batch.partition(), &batch, written);
    const WriteState state = idempotence_.write_state(batch.topic(), batch.partition(), &batch);
    return {retry_or_fail(batch, {ErrorAction::retry, state}, error, now), true};
  }
  // Never left the client, and sending it again cannot help (no common
  // version, a request too large for a frame, ...).
  const auto decision = idempotence_.on_abandoned(batch.topic(), batch.partition(), &batch);
  fail(batch, error, decision);
  return {NextStep::done, false};
}

void BatchOutcomes::on_written_without_ack(ProducerBatch& batch) {
  idempotence_.on_acknowledged(batch.topic(), batch.partition(), &batch);
  ++counters_.acknowledged;
  batch.complete(-1, -1, {});
}

void BatchOutcomes::on_expired(ProducerBatch& batch) {
  const WriteState state = idempotence_.on_abandoned(batch.topic(), batch.partition(), &batch);
  ++counters_.expired;
  complete_failed(batch, errc::delivery_timeout, state);
}

void BatchOutcomes::on_abandoned(ProducerBatch& batch, std::error_code error, bool attempt_written) {
  fail(batch, error, idempotence_.on_abandoned(batch.topic(), batch.partition(), &batch, attempt_written));
}

void BatchOutcomes::on_purged(ProducerBatch& batch) {
  const WriteState state = idempotence_.on_abandoned(batch.topic(), batch.partition(), &batch);
  ++counters_.purged;
  complete_failed(batch, batch.was_written() ? errc::purged_in_flight : errc::purged_queue, state);
}

NextStep BatchOutcomes::retry_or_fail(ProducerBatch& batch, ErrorDecision decision, std::error_code error,
                                      Clock::time_point now) {
  if (decision.action == ErrorAction::fail) {
    fail(batch, error, decision.state);
    return NextStep::done;
  }
  if (batch.attempts() >= policy_.retries) {
    fail(batch, error, idempotence_.on_abandoned(batch.topic(), batch.partition(), &batch));
    return NextStep::done;
  }
  const auto not_before = now + policy_.backoff_for(batch.attempts() + 1);
  if (not_before >= batch.delivery_deadline()) {
    // It would only expire while waiting: report it now.
    on_expired(batch);
    return NextStep::done;
  }
  ++counters_.retries;
  batch.prepare_retry(not_before);
  return NextStep::retry;
}

void BatchOutcomes::fail(ProducerBatch& batch, std::error_code error, WriteState state) {
  ++counters_.failed;
  complete_failed(batch, error, state);
}

}  // namespace kwire::detail
