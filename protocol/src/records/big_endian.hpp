// Fixed-width big-endian loads and stores and raw varint writes on plain
// pointers, for the batch builder's hot path and in-place header edits.
#pragma once

#include <cstdint>

namespace kwire::protocol::records::detail {

template <typename U>
inline void store_be(std::uint8_t* p, U v) noexcept {
  for (std::size_t i = 0; i < sizeof(U); ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * (sizeof(U) - 1 - i)));
}
template <typename U>
inline U load_be(const std::uint8_t* p) noexcept {
  U v = 0;
  for (std::size_t i = 0; i < sizeof(U); ++i) v = static_cast<U>((v << 8) | p[i]);
  return v;
}

inline std::uint8_t* put_uvarint(std::uint8_t* p, std::uint64_t v) noexcept {
  while (v >= 0x80) {
    *p++ = static_cast<std::uint8_t>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<std::uint8_t>(v);
  return p;
}
inline std::uint8_t* put_varint(std::uint8_t* p, std::int32_t v) noexcept {
  return put_uvarint(p, (static_cast<std::uint32_t>(v) << 1) ^ static_cast<std::uint32_t>(v >> 31));
}
inline std::uint8_t* put_varlong(std::uint8_t* p, std::int64_t v) noexcept {
  return put_uvarint(p, (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
}

}  // namespace kwire::protocol::records::detail
