// Byte views shared by every layer: decoded bytes/records fields point into the
// received frame, and encoders take views so large payloads are never copied.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace kwire::protocol {

using Bytes = std::span<const std::uint8_t>;

inline Bytes as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_string(Bytes b) noexcept {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

struct Uuid {
  std::array<std::uint8_t, 16> bytes{};
  friend bool operator==(const Uuid&, const Uuid&) = default;
};

}  // namespace kwire::protocol
