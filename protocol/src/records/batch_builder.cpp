// Record batch (magic 2) encoding: records written once into one buffer
// (large borrowed values referenced, not copied), header, compression and CRC
// finalised at close().
#include "kwire/protocol/records/batch_builder.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

#include "big_endian.hpp"
#include "kwire/compression/compression_error.hpp"
#include "kwire/protocol/records/crc32c.hpp"
#include "kwire/protocol/records/records_error.hpp"
#include "kwire/protocol/wire/writer.hpp"

namespace kwire::protocol::records {
namespace {

using detail::put_uvarint;
using detail::put_varint;
using detail::put_varlong;
using detail::store_be;

constexpr std::size_t kMaxRecordBody = static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max());

// Encoded sizes of zigzag varints without a loop: 7 bits a byte, so
// 1 + (index of the highest set bit) / 7. Per record these ran as loops.
inline std::size_t fast_uvarint_size(std::uint64_t v) noexcept {
  // A record's small fields (its length, the deltas, a 100-byte value's
  // length) take one or two bytes: two compares instead of a bit scan and a
  // division per field.
  if (v < (std::uint64_t{1} << 7)) return 1;
  if (v < (std::uint64_t{1} << 14)) return 2;
  return 1 + static_cast<std::size_t>(std::bit_width(v) - 1) / 7;
}
inline std::size_t fast_varlong_size(std::int64_t v) noexcept {
  return fast_uvarint_size((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
}
inline std::size_t fast_varint_size(std::int32_t v) noexcept {
  return fast_uvarint_size((static_cast<std::uint32_t>(v) << 1) ^ static_cast<std::uint32_t>(v >> 31));
}

std::size_t field_size(std::size_t len, bool present) noexcept {
  if (!present) return 1;  // varint -1
  return fast_varlong_size(static_cast<std::int64_t>(len)) + len;
}

std::size_t headers_size(std::span<const Header> headers) noexcept {
  if (headers.empty()) return 1;  // the count 0
  std::size_t n = fast_varlong_size(static_cast<std::int64_t>(headers.size()));
  for (const Header& h : headers)
    n += field_size(h.key.size(), true) + field_size(h.value ? h.value->size() : 0, h.value.has_value());
  return n;
}

std::size_t body_size(std::int64_t ts_delta, std::int32_t offset_delta, std::optional<Bytes> key,
                      std::optional<Bytes> value, std::span<const Header> headers) noexcept {
  return 1 + fast_varlong_size(ts_delta) + fast_varint_size(offset_delta) +
         field_size(key ? key->size() : 0, key.has_value()) +
         field_size(value ? value->size() : 0, value.has_value()) + (headers.empty() ? 1 : headers_size(headers));
}

std::uint8_t* put_field(std::uint8_t* p, const std::optional<Bytes>& b) noexcept {
  if (!b) return put_varint(p, -1);
  p = put_varlong(p, static_cast<std::int64_t>(b->size()));
  if (!b->empty()) std::memcpy(p, b->data(), b->size());
  return p + b->size();
}

// Scratch space for compressed output, reused by every batch closed on this thread.
std::vector<std::uint8_t>& compression_scratch() {
  thread_local std::vector<std::uint8_t> scratch;
  return scratch;
}

// The codecs take one contiguous input: a segmented records section is
// gathered here first (reused per thread, so steady state allocates nothing).
std::vector<std::uint8_t>& gather_scratch() {
  thread_local std::vector<std::uint8_t> scratch;
  return scratch;
}

}  // namespace

BatchBuilder::BatchBuilder(std::vector<std::uint8_t> buffer, std::size_t size_limit, std::int64_t base_timestamp_ms)
    : buf_(std::move(buffer)), limit_(size_limit), base_ts_(base_timestamp_ms), max_ts_(base_timestamp_ms) {
  buf_.clear();
  buf_.resize(batch_header_size);  // filled in at close()
  used_ = batch_header_size;
}

void BatchBuilder::grow(std::size_t bytes) {
  // Zero-fill ahead in 2 KiB steps, within the capacity the buffer already
  // has (a pooled buffer has batch.size): one memset per ~20 small records.
  // Steps stay below glibc's rep-stosb threshold (2 KiB), whose byte-wise
  // string instruction callgrind would count once per byte.
  constexpr std::size_t kStep = 2048;
  std::size_t target = std::max(bytes, std::min(buf_.capacity(), buf_.size() + kStep));
  if (buf_.capacity() < target) buf_.reserve(std::max(target, buf_.capacity() * 2));
  buf_.resize(target);
}

std::size_t BatchBuilder::record_size(std::int64_t timestamp_delta, std::int32_t offset_delta,
                                      std::optional<Bytes> key, std::optional<Bytes> value,
                                      std::span<const Header> headers) noexcept {
  std::size_t body = body_size(timestamp_delta, offset_delta, key, value, headers);
  return fast_varlong_size(static_cast<std::int64_t>(body)) + body;
}

std::size_t BatchBuilder::encoded_headers_size(std::span<const Header> headers) noexcept {
  return headers_size(headers);
}

bool BatchBuilder::append(std::int64_t timestamp_ms, std::optional<Bytes> key, std::optional<Bytes> value,
                          std::span<const Header> headers, ValuePlacement placement) {
  if (closed_ || count_ == std::numeric_limits<std::int32_t>::max()) return false;
  std::int64_t ts_delta = timestamp_ms - base_ts_;
  std::size_t body = body_size(ts_delta, count_, key, value, headers);
  if (body > kMaxRecordBody) return false;
  std::size_t total = fast_varint_size(static_cast<std::int32_t>(body)) + body;
  if (!has_room_for(total)) return false;

  // A referenced value leaves only its length prefix in the own buffer.
  const bool by_reference = placement == ValuePlacement::reference && value && !value->empty();
  const std::size_t own = by_reference ? total - value->size() : total;
  if (by_reference && refs_.size() == refs_.capacity()) refs_.reserve(std::max<std::size_t>(8, refs_.size() * 2));

  const std::size_t at = used_;
  if (buf_.size() < at + own) grow(at + own);
  std::uint8_t* p = buf_.data() + at;
  p = put_varint(p, static_cast<std::int32_t>(body));
  *p++ = 0;  // record attributes: unused
  p = put_varlong(p, ts_delta);
  p = put_varint(p, count_);
  p = put_field(p, key);
  if (by_reference) {
    p = put_varlong(p, static_cast<std::int64_t>(value->size()));
    refs_.push_back(ReferencedSpan{static_cast<std::size_t>(p - buf_.data()), *value});
    ref_bytes_ += value->size();
  } else {
    p = put_field(p, value);
  }
  p = put_varint(p, static_cast<std::int32_t>(headers.size()));
  for (const Header& h : headers) {
    p = put_field(p, as_bytes(h.key));
    p = put_field(p, h.value);
  }
  used_ = at + own;
  ++count_;
  max_ts_ = std::max(max_ts_, timestamp_ms);
  return true;
}

bool BatchBuilder::append_control(ControlType type, std::int32_t coordinator_epoch, std::int64_t timestamp_ms) {
  std::uint8_t key[4];
  store_be<std::uint16_t>(key, 0);  // control key version
  store_be<std::uint16_t>(key + 2, static_cast<std::uint16_t>(type));
  std::uint8_t value[6];
  store_be<std::uint16_t>(value, 0);  // marker value version
  store_be<std::uint32_t>(value + 2, static_cast<std::uint32_t>(coordinator_epoch));
  if (!append(timestamp_ms, Bytes(key), Bytes(value))) return false;
  control_ = true;
  return true;
}

void BatchBuilder::set_producer_state(std::int64_t producer_id, std::int16_t epoch, std::int32_t base_sequence,
                                      bool transactional) noexcept {
  producer_id_ = producer_id;
  producer_epoch_ = epoch;
  base_sequence_ = base_sequence;
  transactional_ = transactional;
}

std::span<std::uint8_t> BatchBuilder::close(Codec codec, int level) {
  if (closed_) return buf_;
  buf_.resize(used_);  // from here on buf_ is exactly the batch
  error_.clear();
  if (!kwire::compression::level_valid(codec, level)) {
    error_ = kwire::compression::compression_errc::invalid_level;
    return {};
  }
  uncompressed_records_ = size_bytes() - batch_header_size;
  if (codec != Codec::none) {
    auto& scratch = compression_scratch();
    scratch.clear();
    Bytes records(buf_.data() + batch_header_size, buf_.size() - batch_header_size);
    if (!refs_.empty()) {
      auto& gathered = gather_scratch();
      gathered.clear();
      flatten(Bytes(buf_), refs_, gathered);
      records = Bytes(gathered).subspan(batch_header_size);
    }
    if (auto ec = kwire::compression::compress(codec, level, records, scratch)) {
      error_ = ec;
      return {};
    }
    buf_.resize(batch_header_size + scratch.size());
    used_ = buf_.size();
    std::memcpy(buf_.data() + batch_header_size, scratch.data(), scratch.size());
    // The compressed batch owns every byte: the referenced values are no longer needed.
    refs_.clear();
    ref_bytes_ = 0;
  }
  std::int16_t attrs = static_cast<std::int16_t>(codec);
  if (log_append_time_) attrs |= batch_attributes::log_append_time;
  if (transactional_) attrs |= batch_attributes::transactional;
  if (control_) attrs |= batch_attributes::control;

  std::uint8_t* p = buf_.data();
  store_be<std::uint64_t>(p + batch_offsets::base_offset, static_cast<std::uint64_t>(base_offset_));
  store_be<std::uint32_t>(p + batch_offsets::batch_length, static_cast<std::uint32_t>(size_bytes() - batch_log_overhead));
  store_be<std::uint32_t>(p + batch_offsets::partition_leader_epoch, static_cast<std::uint32_t>(leader_epoch_));
  p[batch_offsets::magic] = 2;
  store_be<std::uint16_t>(p + batch_offsets::attributes, static_cast<std::uint16_t>(attrs));
  store_be<std::uint32_t>(p + batch_offsets::last_offset_delta, static_cast<std::uint32_t>(count_ - 1));
  store_be<std::uint64_t>(p + batch_offsets::base_timestamp, static_cast<std::uint64_t>(base_ts_));
  store_be<std::uint64_t>(p + batch_offsets::max_timestamp, static_cast<std::uint64_t>(max_ts_));
  store_be<std::uint64_t>(p + batch_offsets::producer_id, static_cast<std::uint64_t>(producer_id_));
  store_be<std::uint16_t>(p + batch_offsets::producer_epoch, static_cast<std::uint16_t>(producer_epoch_));
  store_be<std::uint32_t>(p + batch_offsets::base_sequence, static_cast<std::uint32_t>(base_sequence_));
  store_be<std::uint32_t>(p + batch_offsets::record_count, static_cast<std::uint32_t>(count_));
  update_crc(std::span<std::uint8_t>(buf_), std::span<const ReferencedSpan>(refs_));
  closed_ = true;
  return buf_;
}

std::vector<ReferencedSpan> BatchBuilder::take_references() noexcept {
  std::vector<ReferencedSpan> out = std::move(refs_);
  refs_.clear();
  ref_bytes_ = 0;
  return out;
}

std::vector<std::uint8_t> BatchBuilder::take_buffer() noexcept {
  buf_.resize(used_);  // shrinking: no allocation, nothing written
  std::vector<std::uint8_t> out = std::move(buf_);
  buf_.clear();
  used_ = 0;
  refs_.clear();
  ref_bytes_ = 0;
  count_ = 0;
  closed_ = true;  // spent: append() refuses and close() returns an empty span
  return out;
}

}  // namespace kwire::protocol::records
