// Record batch (magic 2) iteration: batch framing, header and CRC checks,
// bounded decompression, record parsing into views. Legacy message sets are
// in legacy_reader.cpp.
#include "kwire/protocol/records/batch_reader.hpp"

#include "big_endian.hpp"
#include "kwire/compression/compression_error.hpp"
#include "kwire/protocol/records/crc32c.hpp"
#include "kwire/protocol/records/records_error.hpp"
#include "varint_cursor.hpp"
#include "wrapping_arithmetic.hpp"

namespace kwire::protocol::records {

using detail::load_be;
namespace co = kwire::compression;

namespace {
constexpr std::size_t kMagicOffset = 16;

std::error_code map_decompress_error(std::error_code ec) {
  if (ec == co::compression_errc::output_limit_exceeded) return records_errc::decompressed_too_large;
  return records_errc::decompression_failed;
}
}  // namespace

BatchReader::BatchReader(Bytes records, BatchReaderOptions options) : blob_(records), opts_(options) {}

void BatchReader::reset(Bytes records) noexcept {
  blob_ = records;
  pos_ = 0;
  info_ = {};
  records_ = {};
  record_pos_ = 0;
  records_read_ = 0;
  in_batch_ = false;
  legacy_offset_base_ = 0;
  legacy_single_ = false;
  legacy_pending_.reset();
  error_ = {};
  partial_tail_ = false;
}

bool BatchReader::fail(std::error_code ec) noexcept {
  if (!error_) error_ = ec;
  in_batch_ = false;
  return false;
}

bool BatchReader::next_batch() {
  in_batch_ = false;
  if (error_ || partial_tail_ || pos_ >= blob_.size()) return false;
  std::size_t remaining = blob_.size() - pos_;
  const std::uint8_t* p = blob_.data() + pos_;
  auto partial = [&] {
    if (!opts_.allow_partial_tail) return fail(records_errc::truncated_batch);
    partial_tail_ = true;
    return false;
  };
  if (remaining < batch_log_overhead) return partial();
  auto length = static_cast<std::int32_t>(load_be<std::uint32_t>(p + batch_offsets::batch_length));
  // The batch must at least reach its magic byte, whatever its version.
  if (length < static_cast<std::int32_t>(kMagicOffset + 1 - batch_log_overhead)) return fail(records_errc::batch_too_short);
  bool complete = static_cast<std::uint64_t>(length) + batch_log_overhead <= remaining;
  if (remaining > kMagicOffset) {  // magic known: check the length against its header size
    std::uint8_t magic = p[kMagicOffset];
    std::int32_t min_length = magic == 2 ? static_cast<std::int32_t>(batch_header_size - batch_log_overhead)
                              : magic == 1 ? 22 : 14;  // crc, magic, attributes, [timestamp], key and value lengths
    if (magic > 2) return fail(records_errc::unsupported_magic);
    if (length < min_length) return fail(records_errc::batch_too_short);
  }
  if (!complete) return partial();
  Bytes whole(p, batch_log_overhead + static_cast<std::size_t>(length));
  pos_ += whole.size();
  records_read_ = 0;
  record_pos_ = 0;
  bool ok = p[kMagicOffset] == 2 ? start_v2(whole) : start_legacy(whole);
  in_batch_ = ok;
  return ok;
}

bool BatchReader::start_v2(Bytes b) {
  const std::uint8_t* p = b.data();
  info_ = BatchInfo{};
  info_.base_offset = static_cast<std::int64_t>(load_be<std::uint64_t>(p + batch_offsets::base_offset));
  info_.batch_length = static_cast<std::int32_t>(load_be<std::uint32_t>(p + batch_offsets::batch_length));
  info_.partition_leader_epoch = static_cast<std::int32_t>(load_be<std::uint32_t>(p + batch_offsets::partition_leader_epoch));
  info_.magic = 2;
  info_.crc = load_be<std::uint32_t>(p + batch_offsets::crc);
  info_.attributes = static_cast<std::int16_t>(load_be<std::uint16_t>(p + batch_offsets::attributes));
  info_.last_offset_delta = static_cast<std::int32_t>(load_be<std::uint32_t>(p + batch_offsets::last_offset_delta));
  info_.base_timestamp = static_cast<std::int64_t>(load_be<std::uint64_t>(p + batch_offsets::base_timestamp));
  info_.max_timestamp = static_cast<std::int64_t>(load_be<std::uint64_t>(p + batch_offsets::max_timestamp));
  info_.producer_id = static_cast<std::int64_t>(load_be<std::uint64_t>(p + batch_offsets::producer_id));
  info_.producer_epoch = static_cast<std::int16_t>(load_be<std::uint16_t>(p + batch_offsets::producer_epoch));
  info_.base_sequence = static_cast<std::int32_t>(load_be<std::uint32_t>(p + batch_offsets::base_sequence));
  info_.record_count = static_cast<std::int32_t>(load_be<std::uint32_t>(p + batch_offsets::record_count));
  info_.timestamp_type = (info_.attributes & batch_attributes::log_append_time) ? TimestampType::log_append_time
                                                                                : TimestampType::create_time;
  info_.transactional = info_.attributes & batch_attributes::transactional;
  info_.control = info_.attributes & batch_attributes::control;

  if (opts_.verify_crc && crc32c(b.subspan(batch_offsets::attributes)) != info_.crc)
    return fail(records_errc::crc_mismatch);
  auto codec = co::codec_from_attributes(info_.attributes);
  if (!codec) return fail(records_errc::unsupported_codec);
  info_.codec = *codec;
  if (info_.record_count < 0) return fail(records_errc::invalid_record_count);

  Bytes body = b.subspan(batch_header_size);
  if (info_.codec == co::Codec::none) {
    records_ = body;
  } else {
    decompressed_.clear();
    if (auto ec = co::decompress(info_.codec, body, decompressed_, opts_.max_decompressed_bytes))
      return fail(map_decompress_error(ec));
    records_ = decompressed_;
  }
  // Every record takes at least 7 bytes; a count beyond that is a lie we can
  // catch before walking.
  if (static_cast<std::uint64_t>(info_.record_count) * 7 > records_.size())
    return fail(records_errc::record_count_mismatch);
  return true;
}

bool BatchReader::next_record(RecordView& out) {
  if (!in_batch_) return false;
  return info_.magic == 2 ? next_v2_record(out) : next_legacy_record(out);
}

bool BatchReader::next_v2_record(RecordView& out) {
  if (records_read_ == info_.record_count) {
    in_batch_ = false;
    if (record_pos_ != records_.size()) return fail(records_errc::record_count_mismatch);
    return false;
  }
  if (record_pos_ >= records_.size()) return fail(records_errc::record_count_mismatch);

  detail::VarintCursor c{records_.data() + record_pos_, records_.data() + records_.size()};
  std::int32_t length = 0;
  if (!c.varint(length)) return fail(records_errc::invalid_varint);
  if (length < 0 || static_cast<std::size_t>(length) > c.remaining()) return fail(records_errc::invalid_record_length);
  const std::uint8_t* record_end = c.p + length;
  c.end = record_end;

  std::uint8_t attributes = 0;
  std::int64_t ts_delta = 0;
  std::int32_t offset_delta = 0;
  if (!c.byte(attributes)) return fail(records_errc::record_length_mismatch);
  if (!c.varlong(ts_delta) || !c.varint(offset_delta)) return fail(records_errc::invalid_varint);

  auto field = [&](std::optional<Bytes>& f) -> std::error_code {
    std::int32_t len = 0;
    if (!c.varint(len)) return records_errc::invalid_varint;
    if (len == -1) {
      f.reset();
      return {};
    }
    Bytes b;
    if (len < -1 || !c.take(static_cast<std::size_t>(len), b)) return records_errc::invalid_field_length;
    f = b;
    return {};
  };
  if (auto ec = field(out.key)) return fail(ec);
  if (auto ec = field(out.value)) return fail(ec);

  std::int32_t header_count = 0;
  if (!c.varint(header_count)) return fail(records_errc::invalid_varint);
  if (header_count < 0 || static_cast<std::size_t>(header_count) > c.remaining())
    return fail(records_errc::invalid_field_length);
  const std::uint8_t* headers_begin = c.p;
  for (std::int32_t i = 0; i < header_count; ++i) {
    std::optional<Bytes> key, value;
    if (auto ec = field(key)) return fail(ec);
    if (!key) return fail(records_errc::invalid_field_length);  // header keys are never null
    if (auto ec = field(value)) return fail(ec);
  }
  if (c.p != record_end) return fail(records_errc::record_length_mismatch);

  out.attributes = static_cast<std::int8_t>(attributes);
  // Hostile deltas may overflow; wrap as Java's long arithmetic does (no UB).
  out.offset = wrapping_add(info_.base_offset, offset_delta);
  out.timestamp = info_.timestamp_type == TimestampType::log_append_time ? info_.max_timestamp
                                                                         : wrapping_add(info_.base_timestamp, ts_delta);
  out.headers = HeaderRange(Bytes(headers_begin, static_cast<std::size_t>(record_end - headers_begin)), header_count);
  record_pos_ = static_cast<std::size_t>(record_end - records_.data());
  ++records_read_;
  return true;
}

std::error_code parse_control_record(const RecordView& record, ControlRecord& out) noexcept {
  if (!record.key || record.key->size() < 4 || !record.value || record.value->size() < 6)
    return records_errc::invalid_control_record;
  const std::uint8_t* k = record.key->data();
  const std::uint8_t* v = record.value->data();
  if (load_be<std::uint16_t>(k) != 0) return records_errc::invalid_control_record;  // key version
  auto type = static_cast<std::int16_t>(load_be<std::uint16_t>(k + 2));
  if (type != 0 && type != 1) return records_errc::invalid_control_record;
  out.type = static_cast<ControlType>(type);
  out.coordinator_epoch = static_cast<std::int32_t>(load_be<std::uint32_t>(v + 2));
  return {};
}

}  // namespace kwire::protocol::records
