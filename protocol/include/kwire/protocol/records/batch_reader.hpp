// Iterates the record batches of a Fetch (or Produce) records blob and the
// records inside each, as views: keys, values and header values point into
// the blob, or into the reader's decompression buffer for compressed batches
// (valid until the next next_batch()). Checks lengths and CRCs, decompresses
// with a hard cap, understands control batches, and reads legacy message sets
// (magic 0 and 1, including compressed wrapper messages).
//
// A partial batch at the end of the blob is normal in Fetch responses (the
// broker cuts at the byte limit): it ends the iteration without an error and
// partial_tail() reports it. Not thread-safe: one reader per thread.
#pragma once

#include <cstdint>
#include <optional>
#include <system_error>
#include <vector>

#include "kwire/compression/codec.hpp"
#include "kwire/protocol/records/batch_format.hpp"
#include "kwire/protocol/records/record.hpp"
#include "kwire/protocol/wire/bytes.hpp"

namespace kwire::protocol::records {

using kwire::compression::Codec;

struct BatchReaderOptions {
  // Cap on one batch's decompressed records: a larger one is an error.
  std::size_t max_decompressed_bytes = 256 * 1024 * 1024;
  bool verify_crc = true;
  // False: a truncated trailing batch is an error (records_errc::truncated_batch).
  bool allow_partial_tail = true;
};

struct BatchInfo {
  std::int64_t base_offset = 0;
  std::int32_t batch_length = 0;
  std::int32_t partition_leader_epoch = -1;
  std::int8_t magic = 2;
  std::uint32_t crc = 0;
  std::int16_t attributes = 0;
  kwire::compression::Codec codec = kwire::compression::Codec::none;
  TimestampType timestamp_type = TimestampType::create_time;
  bool transactional = false;
  bool control = false;
  std::int32_t last_offset_delta = 0;
  std::int64_t base_timestamp = 0;
  std::int64_t max_timestamp = 0;
  std::int64_t producer_id = no_producer_id;
  std::int16_t producer_epoch = no_producer_epoch;
  std::int32_t base_sequence = no_sequence;
  std::int32_t record_count = 0;
  // Offset one past this batch's last record (base + last offset delta + 1).
  std::int64_t next_offset() const noexcept { return base_offset + last_offset_delta + 1; }
};

class BatchReader {
 public:
  explicit BatchReader(Bytes records, BatchReaderOptions options = {});
  // Starts over on another blob, keeping the decompression buffer's memory
  // (a consumer reuses its readers from one poll to the next).
  void reset(Bytes records) noexcept;

  // Moves to the next batch (validating its header, CRC and compression).
  // False at the end, at a partial tail, or on error (see error()).
  bool next_batch();
  const BatchInfo& batch() const noexcept { return info_; }

  // Next record of the current batch. False at the batch's end or on error;
  // a batch whose records do not match its header ends with an error.
  bool next_record(RecordView& out);

  std::error_code error() const noexcept { return error_; }
  bool partial_tail() const noexcept { return partial_tail_; }
  // Bytes of the blob consumed by complete batches so far.
  std::size_t position() const noexcept { return pos_; }

 private:
  bool fail(std::error_code ec) noexcept;
  bool start_v2(Bytes batch);
  bool start_legacy(Bytes message);
  bool next_v2_record(RecordView& out);
  bool next_legacy_record(RecordView& out);

  Bytes blob_;
  BatchReaderOptions opts_;
  std::size_t pos_ = 0;
  BatchInfo info_;
  Bytes records_;            // undecoded records of the current batch
  std::size_t record_pos_ = 0;
  std::int32_t records_read_ = 0;
  bool in_batch_ = false;
  // Legacy wrapper: inner messages carry offsets relative to this (magic 1).
  std::int64_t legacy_offset_base_ = 0;
  bool legacy_single_ = false;  // an uncompressed legacy message: one record
  std::optional<RecordView> legacy_pending_;
  std::vector<std::uint8_t> decompressed_;
  std::error_code error_;
  bool partial_tail_ = false;
};

// The marker carried by a control batch's record; error for anything else.
std::error_code parse_control_record(const RecordView& record, ControlRecord& out) noexcept;

}  // namespace kwire::protocol::records
