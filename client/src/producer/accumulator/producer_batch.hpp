// One record batch for one topic-partition, from the first append to its
// delivery reports: the records encoded once into a growing buffer (the
// records layer's batch builder), then the finished bytes after close(); the
// timing the sender needs (creation, delivery deadline, attempts, retry
// backoff); the producer id/epoch/base sequence the sender assigns; and one
// DeliveryEntry per record that wants a report.
//
// Threads: while open, a batch's building state is touched only by the user
// thread inside its OpenBatchSlot (open_batch_slot.hpp), or under its
// partition's lock in the RecordAccumulator once the slot let go of it
// (sealed). Once drained it belongs to the sender's io thread. complete() may run on any thread but only once counts.
//
// How the sender handles batches:
// - Batches travel as BatchPtr (unique_ptr). The sender owns drained batches,
//   gives retries back with RecordAccumulator::reenqueue, and ends every batch
//   with exactly one complete*() call. A batch destroyed without complete*()
//   reports errc::producer_closed, so no report is ever lost.
// - After drain the batch is closed: records() are the finished RecordBatch
//   bytes (compressed, CRC set); when has_references() the batch is records()
//   with references() spliced in (borrowed values above message.copy.max.bytes
//   stay in the caller's memory until the delivery report).
//   set_producer_state() rewrites producer id, epoch, base sequence and the
//   transactional bit in those bytes (CRC recomputed, no re-compression),
//   e.g. after a KIP-360 epoch bump.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "kwire/producer_config.hpp"
#include "kwire/protocol/records/batch_builder.hpp"
#include "kwire/record.hpp"
#include "producer/delivery/delivery_report.hpp"

namespace kwire::detail {

class ProducerBatch;
using BatchPtr = std::unique_ptr<ProducerBatch>;

// The parts of one record that go into a batch (views of the caller's record).
struct RecordParts {
  std::int64_t timestamp_ms = 0;
  std::optional<Bytes> key;
  std::optional<Bytes> value;
  std::span<const Header> headers;
};

// Where a finished batch goes: the accumulator releases its memory, forgets it
// for flush(), and dispatches its reports.
class BatchCompletionSink {
 public:
  virtual void batch_completed(ProducerBatch& batch, BatchReports&& reports) noexcept = 0;

 protected:
  ~BatchCompletionSink() = default;
};

class ProducerBatch {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    std::size_t size_limit = 16384;        // batch.size (the first record is always accepted)
    std::size_t reserved_bytes = 0;        // bytes reserved in the BufferPool for this batch
    std::size_t expected_records = 16;     // reserve for delivery entries
    Clock::time_point created{};
    Clock::duration delivery_timeout{};
    std::uint64_t creation_order = 0;      // flush() waits for batches by it (not the Kafka sequence)
    // Borrowed values longer than this are referenced, not copied (message.copy.max.bytes).
    std::size_t copy_max_bytes = 65535;
  };

  ProducerBatch(std::string topic, std::int32_t partition, std::vector<std::uint8_t> buffer,
                const Options& options, BatchCompletionSink* sink);
  // Direct batch control creates batches before their partition is known.
  void assign(std::string topic, std::int32_t partition) {
    topic_ = std::move(topic);
    partition_ = partition;
  }
  // For batches queued after creation (send_batch): delivery timeout from now.
  void restart_clock(Clock::time_point now) noexcept { created_ = now; }
  ~ProducerBatch();
  ProducerBatch(const ProducerBatch&) = delete;
  ProducerBatch& operator=(const ProducerBatch&) = delete;

  // --- identity and timing ---
  const std::string& topic() const noexcept { return topic_; }
  std::int32_t partition() const noexcept { return partition_; }
  std::uint64_t creation_order() const noexcept { return creation_order_; }
  Clock::time_point created() const noexcept { return created_; }
  Clock::time_point delivery_deadline() const noexcept { return created_ + delivery_timeout_; }
  int attempts() const noexcept { return attempts_; }
  Clock::time_point retry_not_before() const noexcept { return retry_not_before_; }
  // Sender: the batch failed retriably; count the attempt and back off.
  void prepare_retry(Clock::time_point not_before) noexcept {
    ++attempts_;
    retry_not_before_ = not_before;
  }
  bool in_retry() const noexcept { return attempts_ > 0; }

  // --- building (accumulator: inside the batch's slot, or under the partition lock) ---
  // Encodes one record; false when it does not fit (never for the first record)
  // or the batch is closed. On false `entry` is left untouched.
  bool try_append(std::int64_t timestamp_ms, std::optional<Bytes> key, std::optional<Bytes> value,
                  std::span<const Header> headers, DeliveryEntry& entry);
  // The send path's append: returns the bytes the batch grew by, 0 when the
  // record does not fit. The report's entry is built in place, only when
  // someone wants it (a handler, or a borrowed value to hand back), from
  // `handler` (moved out on success only), `user_id` and, when
  // `value_borrowed`, the record's value.
  // Inline: it is the per-record path (RecordAccumulator::append).
  std::size_t try_append(const RecordParts& record, DeliveryHandler& handler, std::uint64_t user_id,
                         bool value_borrowed) {
    const std::int32_t index = record_count_;
    const std::size_t bytes = encode(record, value_borrowed);
    if (bytes == 0) return 0;
    ++counted_records_;
    // Records nobody waits for need no entry (e.g. fire-and-forget sends).
    if (handler || value_borrowed) {
      DeliveryEntry& e = entries_.emplace_back();
      e.handler = std::move(handler);
      e.user_id = user_id;
      e.timestamp_ms = record.timestamp_ms;
      e.offset_delta = index;
      if (value_borrowed) e.borrowed_value = record.value;
    }
    return bytes;
  }
  // For send_batch(): a record whose report is carried by another entry.
  // `value_borrowed`: the caller keeps the value alive until the batch is
  // reported, so a value above copy_max_bytes may be referenced.
  bool try_append_unreported(std::int64_t timestamp_ms, std::optional<Bytes> key,
                             std::optional<Bytes> value, std::span<const Header> headers,
                             bool value_borrowed = false);
  // Whether a value of this size, borrowed or not, would be referenced.
  bool would_reference(bool value_borrowed, std::size_t value_size) const noexcept {
    return value_borrowed && value_size > copy_max_bytes_;
  }
  void add_entry(DeliveryEntry&& entry) { entries_.push_back(std::move(entry)); }
  // Whether an append of this size would still fit (batch.size), cheap check.
  bool is_full() const noexcept { return full_; }
  void mark_full() noexcept { full_ = true; }

  std::int32_t record_count() const noexcept { return record_count_; }
  // Exact encoded size so far (before close), or of the finished bytes.
  std::size_t size_bytes() const noexcept;
  // Before compression: size_bytes() until closed, then what it was at close.
  std::size_t uncompressed_bytes() const noexcept { return closed_ ? uncompressed_bytes_ : size_bytes(); }
  std::size_t reserved_bytes() const noexcept { return reserved_bytes_; }

  // --- finishing (the drain, on the io thread) ---
  // Compresses and finalises. On a codec failure the batch stays open and the
  // error is returned (the caller fails the batch).
  std::error_code close(CompressionType codec, std::optional<int> level);
  bool is_closed() const noexcept { return closed_; }
  // The finished RecordBatch bytes; valid after close() until complete().
  // With references, only the batch's own bytes: see references().
  Bytes records() const noexcept { return {finished_.data(), finished_.size()}; }
  // Borrowed values spliced into records() (uncompressed batches only).
  bool has_references() const noexcept { return !finished_refs_.empty(); }
  std::span<const protocol::records::ReferencedSpan> references() const noexcept { return finished_refs_; }
  // Bytes held in the batch's own buffer (referenced values excluded).
  std::size_t own_bytes() const noexcept;

  // --- idempotence (sender) ---
  void set_producer_state(std::int64_t producer_id, std::int16_t epoch, std::int32_t base_sequence,
                          bool transactional);
  bool has_sequence() const noexcept { return base_sequence_ >= 0; }
  std::int64_t producer_id() const noexcept { return producer_id_; }
  std::int16_t producer_epoch() const noexcept { return producer_epoch_; }
  std::int32_t base_sequence() const noexcept { return base_sequence_; }

  // --- completion (exactly once; later calls return false and do nothing) ---
  // The sender: a request carrying the batch left the client.
  void note_written() noexcept { written_ = true; }
  bool was_written() const noexcept { return written_; }
  // Success (error empty) or failure of the whole batch. For acks=0 pass
  // base_offset -1. log_append_time_ms -1 means CreateTime. A failure's
  // outcome, when the caller does not know better: possibly_written once a
  // request carrying it was written, else not_sent.
  bool complete(std::int64_t base_offset, std::int64_t log_append_time_ms, std::error_code error,
                std::optional<DeliveryOutcome> outcome = std::nullopt);
  // Produce v8+ RecordErrors: listed records get their own error, the others
  // `batch_error` (the broker rejected the whole batch: outcome rejected).
  bool complete_with_record_errors(std::int64_t base_offset, std::error_code batch_error,
                                   std::span<const RecordError> record_errors);
  bool is_done() const noexcept { return done_; }

  // --- splitting (io thread, a refused batch) ---
  // Moves the delivery entries out (the parts carry them on).
  std::vector<DeliveryEntry> take_entries() noexcept { return std::move(entries_); }
  // Hands the buffer.memory reservation over to another batch.
  std::size_t take_reservation() noexcept { return std::exchange(reserved_bytes_, 0); }
  // Records holding a queue.buffering.max.messages slot (appended through
  // try_append), given back when the batch completes or moved to split parts.
  std::size_t take_counted_records() noexcept { return std::exchange(counted_records_, 0); }
  void add_counted_records(std::size_t n) noexcept { counted_records_ += n; }

  // The accumulator takes the byte buffer back for reuse when the batch is done.
  std::vector<std::uint8_t> take_buffer() noexcept;

 private:
  bool finish(BatchReports&& reports);
  // Encodes the record: the bytes the batch grew by, 0 when it did not fit.
  std::size_t encode(const RecordParts& r, bool value_borrowed) {
    if (closed_ || done_) return 0;
    if (!builder_) start_building(r.timestamp_ms);
    // Below the threshold a copy is cheaper than one more segment to checksum and write.
    const auto placement = r.value && would_reference(value_borrowed, r.value->size())
                               ? protocol::records::ValuePlacement::reference
                               : protocol::records::ValuePlacement::copy;
    const std::size_t before = builder_->size_bytes();
    if (!builder_->append(r.timestamp_ms, r.key, r.value, r.headers, placement)) {
      full_ = true;
      return 0;
    }
    ++record_count_;
    const std::size_t after = builder_->size_bytes();
    if (after >= size_limit_) full_ = true;
    return after - before;
  }
  // The first record: the builder takes the lent buffer (it needs the first
  // record's timestamp).
  void start_building(std::int64_t first_timestamp_ms);

  std::string topic_;
  std::int32_t partition_;
  std::uint64_t creation_order_;
  Clock::time_point created_;
  Clock::duration delivery_timeout_;
  Clock::time_point retry_not_before_{};
  int attempts_ = 0;
  bool written_ = false;
  std::size_t size_limit_;
  std::size_t reserved_bytes_;
  std::size_t counted_records_ = 0;
  std::size_t copy_max_bytes_;
  BatchCompletionSink* sink_;

  // Before the first record: the lent buffer. While open: the builder (it
  // needs the first record's timestamp). After close: the finished bytes.
  std::vector<std::uint8_t> spare_buffer_;
  std::optional<protocol::records::BatchBuilder> builder_;
  std::vector<std::uint8_t> finished_;
  std::vector<protocol::records::ReferencedSpan> finished_refs_;
  std::int32_t record_count_ = 0;
  bool full_ = false;
  bool closed_ = false;
  std::size_t uncompressed_bytes_ = 0;  // size_bytes() when closed (before compression)
  bool done_ = false;

  std::int64_t producer_id_ = -1;
  std::int16_t producer_epoch_ = -1;
  std::int32_t base_sequence_ = -1;
  bool transactional_ = false;

  std::vector<DeliveryEntry> entries_;
};

}  // namespace kwire::detail
