// Legacy message sets (magic 0 and 1), for consuming old data. A top-level
// message is presented as a batch of one record; a compressed wrapper message
// as a batch of its inner messages. Magic 1 wrappers give inner offsets
// relative to the wrapper's, whose offset is that of the last inner message.
#include <zlib.h>

#include "big_endian.hpp"
#include "kwire/compression/compression_error.hpp"
#include "kwire/protocol/records/batch_reader.hpp"
#include "kwire/protocol/records/records_error.hpp"
#include "wrapping_arithmetic.hpp"

namespace kwire::protocol::records {

using detail::load_be;
namespace co = kwire::compression;

namespace {

struct LegacyMessage {
  std::int64_t offset = 0;
  std::uint32_t crc = 0;
  std::int8_t magic = 0;
  std::int8_t attributes = 0;
  std::int64_t timestamp = -1;
  std::optional<Bytes> key;
  std::optional<Bytes> value;
};

constexpr std::size_t kLogOverhead = 12;  // offset and size
constexpr std::int8_t kLogAppendTime = 0x08;

std::error_code read_bytes(Bytes body, std::size_t& at, std::optional<Bytes>& out) {
  if (body.size() - at < 4) return records_errc::record_length_mismatch;
  auto len = static_cast<std::int32_t>(load_be<std::uint32_t>(body.data() + at));
  at += 4;
  if (len == -1) {
    out.reset();
    return {};
  }
  if (len < -1 || static_cast<std::size_t>(len) > body.size() - at) return records_errc::invalid_field_length;
  out = body.subspan(at, static_cast<std::size_t>(len));
  at += static_cast<std::size_t>(len);
  return {};
}

// Parses one message at the start of `in` (offset, size, body); `consumed` is
// its total length. A message cut short is truncated_batch.
std::error_code parse_message(Bytes in, bool verify_crc, LegacyMessage& m, std::size_t& consumed) {
  if (in.size() < kLogOverhead) return records_errc::truncated_batch;
  m.offset = static_cast<std::int64_t>(load_be<std::uint64_t>(in.data()));
  auto size = static_cast<std::int32_t>(load_be<std::uint32_t>(in.data() + 8));
  if (size < 14) return records_errc::batch_too_short;
  if (static_cast<std::size_t>(size) > in.size() - kLogOverhead) return records_errc::truncated_batch;
  Bytes body = in.subspan(kLogOverhead, static_cast<std::size_t>(size));
  consumed = kLogOverhead + body.size();
  m.crc = load_be<std::uint32_t>(body.data());
  m.magic = static_cast<std::int8_t>(body[4]);
  m.attributes = static_cast<std::int8_t>(body[5]);
  if (m.magic != 0 && m.magic != 1) return records_errc::unsupported_magic;
  if (verify_crc) {
    uLong crc = crc32(0L, body.data() + 4, static_cast<uInt>(body.size() - 4));
    if (static_cast<std::uint32_t>(crc) != m.crc) return records_errc::crc_mismatch;
  }
  std::size_t at = 6;
  m.timestamp = -1;
  if (m.magic == 1) {
    if (body.size() < 22) return records_errc::batch_too_short;
    m.timestamp = static_cast<std::int64_t>(load_be<std::uint64_t>(body.data() + at));
    at += 8;
  }
  if (auto ec = read_bytes(body, at, m.key)) return ec;
  if (auto ec = read_bytes(body, at, m.value)) return ec;
  if (at != body.size()) return records_errc::record_length_mismatch;
  return {};
}

}  // namespace

bool BatchReader::start_legacy(Bytes whole) {
  LegacyMessage m;
  std::size_t consumed = 0;
  if (auto ec = parse_message(whole, opts_.verify_crc, m, consumed)) return fail(ec);
  auto codec = co::codec_from_attributes(m.attributes);
  if (!codec) return fail(records_errc::unsupported_codec);
  info_ = BatchInfo{};
  info_.magic = m.magic;
  info_.crc = m.crc;
  info_.attributes = m.attributes;
  info_.codec = *codec;
  info_.batch_length = static_cast<std::int32_t>(whole.size() - kLogOverhead);
  info_.timestamp_type = (m.magic == 1 && (m.attributes & kLogAppendTime)) ? TimestampType::log_append_time
                                                                           : TimestampType::create_time;
  info_.base_timestamp = info_.max_timestamp = m.timestamp;
  legacy_pending_.reset();

  if (info_.codec == co::Codec::none) {
    legacy_single_ = true;
    RecordView r;
    r.offset = m.offset;
    r.timestamp = m.timestamp;
    r.attributes = m.attributes;
    r.key = m.key;
    r.value = m.value;
    legacy_pending_ = r;
    info_.base_offset = m.offset;
    info_.record_count = 1;
    return true;
  }

  legacy_single_ = false;
  if (!m.value) return fail(records_errc::decompression_failed);
  decompressed_.clear();
  std::error_code dec = info_.codec == co::Codec::lz4
                            ? co::decompress_lz4_legacy(*m.value, decompressed_, opts_.max_decompressed_bytes)
                            : co::decompress(info_.codec, *m.value, decompressed_, opts_.max_decompressed_bytes);
  if (dec) {
    return fail(dec == co::compression_errc::output_limit_exceeded ? records_errc::decompressed_too_large
                                                                  : records_errc::decompression_failed);
  }
  records_ = decompressed_;

  // Walk the inner set once: validate every message and learn the offsets.
  std::int64_t first = 0, last = 0;
  std::int32_t count = 0;
  for (std::size_t at = 0; at < records_.size();) {
    LegacyMessage inner;
    if (auto ec = parse_message(records_.subspan(at), opts_.verify_crc, inner, consumed)) return fail(ec);
    if (inner.attributes & 0x07) return fail(records_errc::nested_compression);
    if (count == 0) first = inner.offset;
    last = inner.offset;
    ++count;
    at += consumed;
  }
  legacy_offset_base_ = m.magic == 1 ? wrapping_sub(m.offset, last) : 0;
  info_.base_offset = wrapping_add(legacy_offset_base_, first);
  info_.last_offset_delta = static_cast<std::int32_t>(wrapping_sub(last, first));
  info_.record_count = count;
  return true;
}

bool BatchReader::next_legacy_record(RecordView& out) {
  if (legacy_single_) {
    if (!legacy_pending_) {
      in_batch_ = false;
      return false;
    }
    out = *legacy_pending_;
    legacy_pending_.reset();
    return true;
  }
  if (record_pos_ >= records_.size()) {
    in_batch_ = false;
    return false;
  }
  LegacyMessage inner;
  std::size_t consumed = 0;
  // Already validated by start_legacy (CRC included), so skip the CRC here.
  if (auto ec = parse_message(records_.subspan(record_pos_), false, inner, consumed)) return fail(ec);
  record_pos_ += consumed;
  ++records_read_;
  out.offset = wrapping_add(legacy_offset_base_, inner.offset);
  out.timestamp = info_.timestamp_type == TimestampType::log_append_time ? info_.max_timestamp : inner.timestamp;
  out.attributes = inner.attributes;
  out.key = inner.key;
  out.value = inner.value;
  out.headers = HeaderRange();
  return true;
}

}  // namespace kwire::protocol::records
