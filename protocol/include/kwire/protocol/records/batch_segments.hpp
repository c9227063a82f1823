// A finished record batch whose bytes are not all in one buffer: the
// builder's own bytes (header, record framing, copied payloads) with spans of
// caller memory spliced in (large borrowed values, kept by reference so they
// are never copied). A span is spliced in just before own byte `at`; spans
// always lie after the batch header, so the header can be edited in place.
// Free functions over (own bytes, spans): wire order, size, CRC-32C, header
// edits and flattening. Pure functions; any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "kwire/protocol/wire/bytes.hpp"

namespace kwire::protocol::records {

// Where a record's value goes when a batch is built.
enum class ValuePlacement : std::uint8_t {
  copy,       // encoded into the batch's own buffer
  reference,  // spliced in by reference: the memory must outlive the batch's use
};

struct ReferencedSpan {
  std::size_t at = 0;  // offset in the own bytes the span comes before
  Bytes bytes;
};

// Calls f(Bytes) for each non-empty piece of the batch in wire order.
template <typename F>
void for_each_segment(Bytes own, std::span<const ReferencedSpan> refs, F&& f) {
  std::size_t pos = 0;
  for (const ReferencedSpan& r : refs) {
    if (r.at > pos) f(own.subspan(pos, r.at - pos));
    if (!r.bytes.empty()) f(r.bytes);
    pos = r.at;
  }
  if (own.size() > pos) f(own.subspan(pos));
}

// Wire size: own bytes plus every span.
std::size_t segmented_size(Bytes own, std::span<const ReferencedSpan> refs) noexcept;

// CRC-32C of the batch from own byte `from` (before the first span) to its end.
std::uint32_t segmented_crc32c(Bytes own, std::span<const ReferencedSpan> refs, std::size_t from) noexcept;

// Recomputes and stores the batch CRC over bytes 21..end of the whole batch.
void update_crc(std::span<std::uint8_t> own, std::span<const ReferencedSpan> refs) noexcept;

// As set_producer_state() in batch_format.hpp, for a segmented batch.
bool set_producer_state(std::span<std::uint8_t> own, std::span<const ReferencedSpan> refs, std::int64_t producer_id,
                        std::int16_t epoch, std::int32_t base_sequence, bool transactional) noexcept;

// Appends the whole batch, contiguous, to `out` (for readers that need one
// buffer: a test broker, splitting a refused batch).
void flatten(Bytes own, std::span<const ReferencedSpan> refs, std::vector<std::uint8_t>& out);

}  // namespace kwire::protocol::records
