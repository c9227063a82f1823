// Two's-complement wrapping arithmetic on offsets and timestamps read from
// untrusted batches: hostile values must not overflow into undefined
// behaviour; they wrap as Java's long arithmetic does.
#pragma once

#include <cstdint>

namespace kwire::protocol::records {

inline std::int64_t wrapping_add(std::int64_t a, std::int64_t b) noexcept {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}

inline std::int64_t wrapping_sub(std::int64_t a, std::int64_t b) noexcept {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
}

}  // namespace kwire::protocol::records
