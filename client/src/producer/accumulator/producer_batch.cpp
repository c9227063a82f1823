// One producer batch: encoding, closing, producer state and its exactly-once
// completion (see producer_batch.hpp).
#include "producer/accumulator/producer_batch.hpp"

#include "kwire/compression/codec.hpp"
#include "kwire/errors.hpp"
#include "kwire/protocol/records/batch_format.hpp"

namespace kwire::detail {

namespace records = protocol::records;

ProducerBatch::ProducerBatch(std::string topic, std::int32_t partition, std::vector<std::uint8_t> buffer,
                             const Options& options, BatchCompletionSink* sink)
    : topic_(std::move(topic)),
      partition_(partition),
      creation_order_(options.creation_order),
      created_(options.created),
      delivery_timeout_(options.delivery_timeout),
      size_limit_(options.size_limit),
      reserved_bytes_(options.reserved_bytes),
      copy_max_bytes_(options.copy_max_bytes),
      sink_(sink),
      spare_buffer_(std::move(buffer)) {
  entries_.reserve(options.expected_records);
}

ProducerBatch::~ProducerBatch() {
  // A batch nobody completed still reports: no record is ever silently lost.
  if (!done_) complete(-1, -1, errc::producer_closed);
}

void ProducerBatch::start_building(std::int64_t first_timestamp_ms) {
  builder_.emplace(std::move(spare_buffer_), size_limit_, first_timestamp_ms);
}

bool ProducerBatch::try_append_unreported(std::int64_t timestamp_ms, std::optional<Bytes> key,
                                          std::optional<Bytes> value, std::span<const Header> headers,
                                          bool value_borrowed) {
  return encode(RecordParts{timestamp_ms, key, value, headers}, value_borrowed) != 0;
}

bool ProducerBatch::try_append(std::int64_t timestamp_ms, std::optional<Bytes> key, std::optional<Bytes> value,
                               std::span<const Header> headers, DeliveryEntry& entry) {
  std::int32_t index = record_count_;
  if (!try_append_unreported(timestamp_ms, key, value, headers, entry.borrowed_value.has_value())) return false;
  entry.offset_delta = index;
  entry.timestamp_ms = timestamp_ms;
  ++counted_records_;
  // Records nobody waits for need no entry (e.g. fire-and-forget sends).
  if (entry.handler || entry.borrowed_value) entries_.push_back(std::move(entry));
  return true;
}

std::size_t ProducerBatch::size_bytes() const noexcept {
  if (closed_) return records::segmented_size(Bytes(finished_), finished_refs_);
  if (builder_) return builder_->size_bytes();
  return records::BatchBuilder::overhead_bytes;
}

std::size_t ProducerBatch::own_bytes() const noexcept {
  if (closed_) return finished_.size();
  if (builder_) return builder_->own_bytes();
  return 0;
}

std::error_code ProducerBatch::close(CompressionType codec, std::optional<int> level) {
  if (closed_) return {};
  if (!builder_) {
    // An empty batch never goes on the wire; keep it closed and empty.
    closed_ = true;
    full_ = true;
    return {};
  }
  if (producer_id_ >= 0) builder_->set_producer_state(producer_id_, producer_epoch_, base_sequence_, transactional_);
  uncompressed_bytes_ = builder_->size_bytes();
  auto finished = builder_->close(static_cast<compression::Codec>(codec),
                                  level.value_or(compression::default_level));
  if (finished.empty()) return builder_->error() ? builder_->error() : make_error_code(errc::invalid_record);
  finished_refs_ = builder_->take_references();
  finished_ = builder_->take_buffer();
  builder_.reset();
  closed_ = true;
  full_ = true;
  return {};
}

void ProducerBatch::set_producer_state(std::int64_t producer_id, std::int16_t epoch, std::int32_t base_sequence,
                                       bool transactional) {
  producer_id_ = producer_id;
  producer_epoch_ = epoch;
  base_sequence_ = base_sequence;
  transactional_ = transactional;
  if (closed_ && !finished_.empty()) {
    records::set_producer_state(std::span<std::uint8_t>(finished_), finished_refs_, producer_id, epoch, base_sequence,
                                transactional);
  } else if (builder_) {
    builder_->set_producer_state(producer_id, epoch, base_sequence, transactional);
  }
}

bool ProducerBatch::complete(std::int64_t base_offset, std::int64_t log_append_time_ms, std::error_code error,
                             std::optional<DeliveryOutcome> outcome) {
  BatchReports reports;
  if (error) {
    reports.outcome = outcome.value_or(written_ ? DeliveryOutcome::possibly_written : DeliveryOutcome::not_sent);
  }
  reports.base_offset = base_offset;
  reports.log_append_time_ms = log_append_time_ms;
  reports.error = error;
  return finish(std::move(reports));
}

bool ProducerBatch::complete_with_record_errors(std::int64_t base_offset, std::error_code batch_error,
                                                std::span<const RecordError> record_errors) {
  BatchReports reports;
  reports.base_offset = base_offset;
  reports.error = batch_error;
  reports.outcome = DeliveryOutcome::rejected;
  reports.record_errors.assign(record_errors.begin(), record_errors.end());
  return finish(std::move(reports));
}

bool ProducerBatch::finish(BatchReports&& reports) {
  if (done_) return false;
  done_ = true;
  // From the reports on, the borrowed values may be freed: drop every view of them.
  finished_refs_.clear();
  reports.topic = topic_;
  reports.partition = partition_;
  reports.entries = std::move(entries_);
  reports.created = created_;
  if (sink_) {
    sink_->batch_completed(*this, std::move(reports));
  } else {
    reports.fire();
  }
  return true;
}

std::vector<std::uint8_t> ProducerBatch::take_buffer() noexcept {
  if (builder_) {
    auto buf = builder_->take_buffer();
    builder_.reset();
    return buf;
  }
  if (!finished_.empty() || finished_.capacity() > 0) return std::move(finished_);
  return std::move(spare_buffer_);
}

}  // namespace kwire::detail
