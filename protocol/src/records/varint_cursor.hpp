// Bounds-checked cursor over one record's bytes with Kafka's zig-zag varints;
// the batch reader's hot path. Each read reports failure instead of throwing.
#pragma once

#include <cstdint>
#include <optional>

#include "kwire/protocol/wire/bytes.hpp"

namespace kwire::protocol::records::detail {

struct VarintCursor {
  const std::uint8_t* p;
  const std::uint8_t* end;

  std::size_t remaining() const noexcept { return static_cast<std::size_t>(end - p); }

  bool uvar(std::uint64_t& v, int max_bytes) noexcept {
    v = 0;
    for (int i = 0; i < max_bytes; ++i) {
      if (p == end) return false;
      std::uint8_t b = *p++;
      v |= static_cast<std::uint64_t>(b & 0x7f) << (7 * i);
      if (!(b & 0x80)) return max_bytes != 5 || v <= 0xFFFFFFFFu;
    }
    return false;
  }
  bool varint(std::int32_t& out) noexcept {
    std::uint64_t u;
    if (!uvar(u, 5)) return false;
    auto v = static_cast<std::uint32_t>(u);
    out = static_cast<std::int32_t>((v >> 1) ^ (~(v & 1) + 1));
    return true;
  }
  bool varlong(std::int64_t& out) noexcept {
    std::uint64_t u;
    if (!uvar(u, 10)) return false;
    out = static_cast<std::int64_t>((u >> 1) ^ (~(u & 1) + 1));
    return true;
  }
  bool byte(std::uint8_t& out) noexcept {
    if (p == end) return false;
    out = *p++;
    return true;
  }
  bool take(std::size_t n, Bytes& out) noexcept {
    if (n > remaining()) return false;
    out = Bytes(p, n);
    p += n;
    return true;
  }
};

}  // namespace kwire::protocol::records::detail
