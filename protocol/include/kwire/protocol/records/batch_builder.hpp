// Builds one record batch (magic 2). Each record is encoded once, straight
// into a single growing buffer that the caller lends (so buffers can be
// pooled): no per-record heap allocation. A value appended with
// ValuePlacement::reference is not copied: the buffer gets its framing and the
// value is kept as a span spliced in at that point (batch_segments.hpp), so
// the finished batch is own bytes + references(). size_bytes() is the exact
// uncompressed wire size at every step; close() compresses the records (a
// compressed batch owns all its bytes), fills the header and the CRC (over
// the segments). Not thread-safe: one owner at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <system_error>
#include <vector>

#include "kwire/compression/codec.hpp"
#include "kwire/protocol/records/batch_format.hpp"
#include "kwire/protocol/records/batch_segments.hpp"
#include "kwire/protocol/records/record.hpp"
#include "kwire/protocol/wire/bytes.hpp"
#include "kwire/protocol/wire/writer.hpp"  // varlong_size

namespace kwire::protocol::records {

using kwire::compression::Codec;

class BatchBuilder {
 public:
  // `buffer` is cleared (its capacity kept) and becomes the batch. size_limit
  // caps size_bytes() for every record but the first. Timestamps of records
  // are stored as deltas from base_timestamp_ms (the first record's).
  BatchBuilder(std::vector<std::uint8_t> buffer, std::size_t size_limit, std::int64_t base_timestamp_ms);

  // Encodes one record. False, and nothing written, when the batch would
  // exceed size_limit (the first record is always accepted, so an oversized
  // single record can still be sent), after close(), or when the record
  // cannot be encoded at all (over 2 GiB). With ValuePlacement::reference
  // the value's memory must stay valid and unchanged until the batch is
  // closed with a codec, or, uncompressed, until its bytes were sent.
  bool append(std::int64_t timestamp_ms, std::optional<Bytes> key, std::optional<Bytes> value,
              std::span<const Header> headers = {}, ValuePlacement placement = ValuePlacement::copy);

  // Appends a transaction marker and makes this a control batch (used by test
  // brokers; a producer never writes these).
  bool append_control(ControlType type, std::int32_t coordinator_epoch, std::int64_t timestamp_ms);

  // Exact encoded size of a record with these parts at the worst-case
  // timestamp and offset deltas: an upper bound for memory accounting.
  // Inline: the producer checks it once per send.
  static std::size_t record_size_upper_bound(std::size_t key_len, std::size_t value_len,
                                             std::span<const Header> headers) noexcept {
    // length, attributes, timestamp delta (varlong), offset delta (varint),
    // key and value with their lengths, the headers with their count.
    const std::size_t body = 1 + 10 + 5 + varlong_size(static_cast<std::int64_t>(key_len)) + key_len +
                             varlong_size(static_cast<std::int64_t>(value_len)) + value_len +
                             (headers.empty() ? 1 : encoded_headers_size(headers));
    return 5 + body;
  }
  // Encoded size of a record's headers, their count included.
  static std::size_t encoded_headers_size(std::span<const Header> headers) noexcept;
  // Exact size of a record (its length prefix included) at these deltas.
  static std::size_t record_size(std::int64_t timestamp_delta, std::int32_t offset_delta,
                                 std::optional<Bytes> key, std::optional<Bytes> value,
                                 std::span<const Header> headers) noexcept;
  static constexpr std::size_t overhead_bytes = batch_header_size;

  // Header plus records as encoded so far (uncompressed, referenced values
  // included); after close(), the finished batch's size.
  std::size_t size_bytes() const noexcept { return used_ + ref_bytes_; }
  // Bytes held in the builder's own buffer (referenced values excluded).
  std::size_t own_bytes() const noexcept { return used_; }
  std::int32_t record_count() const noexcept { return count_; }
  bool empty() const noexcept { return count_ == 0; }
  std::size_t size_limit() const noexcept { return limit_; }
  std::int64_t base_timestamp() const noexcept { return base_ts_; }
  std::int64_t max_timestamp() const noexcept { return max_ts_; }
  // Would a record of this exact encoded size still fit?
  bool has_room_for(std::size_t record_bytes) const noexcept {
    return count_ == 0 || size_bytes() + record_bytes <= limit_;
  }

  // Header fields written at close(); may be changed after close with
  // set_producer_state()/set_partition_leader_epoch() in batch_format.hpp.
  void set_producer_state(std::int64_t producer_id, std::int16_t epoch, std::int32_t base_sequence,
                          bool transactional) noexcept;
  void set_partition_leader_epoch(std::int32_t epoch) noexcept { leader_epoch_ = epoch; }
  void set_base_offset(std::int64_t base_offset) noexcept { base_offset_ = base_offset; }
  void set_log_append_time(bool on) noexcept { log_append_time_ = on; }

  // Compresses the records with `codec` at `level`, writes the header and the
  // CRC, and returns the finished batch (a view of the builder's buffer; when
  // references() is not empty, only the own bytes: see batch_segments.hpp).
  // Returns an empty span on failure (an invalid level or a codec failure;
  // see error()); the builder is then unchanged and close() may be retried.
  std::span<std::uint8_t> close(Codec codec = Codec::none, int level = kwire::compression::default_level);
  bool closed() const noexcept { return closed_; }
  std::error_code error() const noexcept { return error_; }
  // The finished batch's own bytes (after close()), or an empty span.
  std::span<std::uint8_t> batch() noexcept { return closed_ ? std::span<std::uint8_t>(buf_) : std::span<std::uint8_t>(); }
  // Uncompressed size of the records section (for compression ratio metrics).
  std::size_t uncompressed_records_bytes() const noexcept { return uncompressed_records_; }

  // Hands the buffer back (holding exactly the batch after close()), for
  // sending or pooling. The builder is spent afterwards (append() refuses).
  std::vector<std::uint8_t> take_buffer() noexcept;

  // Spans of caller memory spliced into the batch, in order (empty after a
  // close() with a codec). take_references() moves them out (before or with
  // take_buffer()).
  std::span<const ReferencedSpan> references() const noexcept { return refs_; }
  std::vector<ReferencedSpan> take_references() noexcept;

 private:
  // Makes buf_ at least `bytes` long (zero-filled in steps, not per record).
  void grow(std::size_t bytes);

  // The batch is buf_'s first used_ bytes; beyond them buf_ is room already
  // zero-filled for the next records (resizing per record zero-filled every
  // byte just before it was written). After close() buf_ is exactly the batch.
  std::vector<std::uint8_t> buf_;
  std::size_t used_ = 0;
  std::vector<ReferencedSpan> refs_;
  std::size_t ref_bytes_ = 0;
  std::size_t limit_;
  std::int64_t base_ts_;
  std::int64_t max_ts_;
  std::int32_t count_ = 0;
  std::int64_t base_offset_ = 0;
  std::int32_t leader_epoch_ = no_partition_leader_epoch;
  std::int64_t producer_id_ = no_producer_id;
  std::int16_t producer_epoch_ = no_producer_epoch;
  std::int32_t base_sequence_ = no_sequence;
  bool transactional_ = false;
  bool control_ = false;
  bool log_append_time_ = false;
  bool closed_ = false;
  std::size_t uncompressed_records_ = 0;
  std::error_code error_;
};

}  // namespace kwire::protocol::records
