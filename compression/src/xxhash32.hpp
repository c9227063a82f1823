// XXH32, the checksum of the LZ4 frame format (header, block and content
// checksums). Written from the published algorithm description.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace kwire::compression::detail {

inline std::uint32_t xxh32(const std::uint8_t* p, std::size_t len, std::uint32_t seed) noexcept {
  constexpr std::uint32_t P1 = 2654435761u, P2 = 2246822519u, P3 = 3266489917u, P4 = 668265263u,
                          P5 = 374761393u;
  auto rotl = [](std::uint32_t x, int r) { return (x << r) | (x >> (32 - r)); };
  auto le32 = [](const std::uint8_t* q) {
    return std::uint32_t{q[0]} | (std::uint32_t{q[1]} << 8) | (std::uint32_t{q[2]} << 16) |
           (std::uint32_t{q[3]} << 24);
  };
  auto round = [&](std::uint32_t acc, std::uint32_t input) { return rotl(acc + input * P2, 13) * P1; };
  const std::uint8_t* end = p + len;
  std::uint32_t h;
  if (len >= 16) {
    std::uint32_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
    const std::uint8_t* limit = end - 16;
    do {
      v1 = round(v1, le32(p));
      v2 = round(v2, le32(p + 4));
      v3 = round(v3, le32(p + 8));
      v4 = round(v4, le32(p + 12));
      p += 16;
    } while (p <= limit);
    h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
  } else {
    h = seed + P5;
  }
  h += static_cast<std::uint32_t>(len);
  while (end - p >= 4) {  // not p + 4 <= end: p may be null when len is 0
    h = rotl(h + le32(p) * P3, 17) * P4;
    p += 4;
  }
  while (p < end) {
    h = rotl(h + *p * P5, 11) * P1;
    ++p;
  }
  h ^= h >> 15;
  h *= P2;
  h ^= h >> 13;
  h *= P3;
  h ^= h >> 16;
  return h;
}

}  // namespace kwire::compression::detail
