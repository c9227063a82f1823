// Batch boundaries from the log-entry framing shared by every magic:
// offset (8 bytes) and length (4 bytes), magic at byte 16, and for v2 the
// partition leader epoch at byte 12 and the last offset delta at byte 23.
#include "consumer/batch_bounds.hpp"

#include <limits>

namespace kwire::detail {
namespace {

std::uint64_t read_be(const std::uint8_t* p, int n) noexcept {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

constexpr std::size_t kEntryHeader = 12;        // offset + length
constexpr std::size_t kV2LeaderEpochAt = 12;
constexpr std::size_t kV2LastDeltaAt = 23;      // after leader epoch, magic, crc, attributes
constexpr std::size_t kV2MinSize = 27;          // up to and including the last offset delta
constexpr std::int64_t kMaxLastOffset = std::numeric_limits<std::int64_t>::max() - 1;

}  // namespace

std::optional<std::int64_t> offset_after_complete_batches(protocol::Bytes records, std::int32_t* last_epoch) noexcept {
  std::optional<std::int64_t> next;
  std::size_t pos = 0;
  while (records.size() - pos >= kEntryHeader) {
    const std::uint8_t* entry = records.data() + pos;
    auto length = static_cast<std::int32_t>(read_be(entry + 8, 4));
    if (length < 0 || records.size() - pos - kEntryHeader < static_cast<std::size_t>(length)) break;
    auto last_offset = static_cast<std::int64_t>(read_be(entry, 8));
    std::size_t size = kEntryHeader + static_cast<std::size_t>(length);
    std::int32_t epoch = -1;
    if (size > 16 && entry[16] >= 2) {
      if (size < kV2MinSize) break;
      const auto delta = static_cast<std::int32_t>(read_be(entry + kV2LastDeltaAt, 4));
      // A hostile broker can send any offset and delta: stop at a batch whose
      // last offset is negative or leaves no room for a next one.
      if (delta < 0 || last_offset > kMaxLastOffset - delta) break;
      last_offset += delta;
      epoch = static_cast<std::int32_t>(read_be(entry + kV2LeaderEpochAt, 4));
    }
    if (last_offset < 0 || last_offset > kMaxLastOffset) break;
    if (last_epoch) *last_epoch = epoch;
    next = last_offset + 1;
    pos += size;
  }
  return next;
}

}  // namespace kwire::detail
