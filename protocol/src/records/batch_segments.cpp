// Segmented record batches (own bytes + referenced spans): see batch_segments.hpp.
#include "kwire/protocol/records/batch_segments.hpp"

#include "big_endian.hpp"
#include "kwire/protocol/records/batch_format.hpp"
#include "kwire/protocol/records/crc32c.hpp"

namespace kwire::protocol::records {

std::size_t segmented_size(Bytes own, std::span<const ReferencedSpan> refs) noexcept {
  std::size_t n = own.size();
  for (const ReferencedSpan& r : refs) n += r.bytes.size();
  return n;
}

std::uint32_t segmented_crc32c(Bytes own, std::span<const ReferencedSpan> refs, std::size_t from) noexcept {
  std::uint32_t crc = 0;
  std::size_t pos = from;
  for (const ReferencedSpan& r : refs) {
    if (r.at > pos) crc = crc32c(own.subspan(pos, r.at - pos), crc);
    crc = crc32c(r.bytes, crc);
    if (r.at > pos) pos = r.at;
  }
  if (own.size() > pos) crc = crc32c(own.subspan(pos), crc);
  return crc;
}

void update_crc(std::span<std::uint8_t> own, std::span<const ReferencedSpan> refs) noexcept {
  if (refs.empty()) return update_crc(own);
  std::uint32_t crc = segmented_crc32c(Bytes(own), refs, batch_offsets::attributes);
  detail::store_be<std::uint32_t>(own.data() + batch_offsets::crc, crc);
}

bool set_producer_state(std::span<std::uint8_t> own, std::span<const ReferencedSpan> refs, std::int64_t producer_id,
                        std::int16_t epoch, std::int32_t base_sequence, bool transactional) noexcept {
  // The header is entirely in the own bytes: edit it there (its CRC is then
  // wrong for a segmented batch) and checksum the whole batch again.
  if (!set_producer_state(own, producer_id, epoch, base_sequence, transactional)) return false;
  if (!refs.empty()) update_crc(own, refs);
  return true;
}

void flatten(Bytes own, std::span<const ReferencedSpan> refs, std::vector<std::uint8_t>& out) {
  out.reserve(out.size() + segmented_size(own, refs));
  for_each_segment(own, refs, [&out](Bytes piece) { out.insert(out.end(), piece.begin(), piece.end()); });
}

}  // namespace kwire::protocol::records
