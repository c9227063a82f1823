// librdkafka's keyed partitioners (consistent = CRC-32, fnv1a = FNV-1a) and
// the choice each built-in partitioner makes for a key, or that it makes none.
#include "producer/partition_hashes.hpp"

#include <zlib.h>

namespace kwire {

std::uint32_t crc32_of(protocol::Bytes data) noexcept {
  // zlib's crc32 takes a uInt length: feed large inputs in pieces.
  uLong crc = ::crc32(0L, Z_NULL, 0);
  const std::uint8_t* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    const uInt n = left > 0x40000000u ? 0x40000000u : static_cast<uInt>(left);
    crc = ::crc32(crc, p, n);
    p += n;
    left -= n;
  }
  return static_cast<std::uint32_t>(crc);
}

std::int32_t consistent_partition(protocol::Bytes key, std::int32_t partition_count) noexcept {
  return static_cast<std::int32_t>(crc32_of(key) % static_cast<std::uint32_t>(partition_count));
}

std::uint32_t fnv1a(protocol::Bytes data) noexcept {
  std::uint32_t h = 0x811c9dc5u;  // 32-bit FNV offset basis
  for (std::uint8_t b : data) {
    h ^= b;
    h *= 0x01000193u;  // 32-bit FNV prime
  }
  return h;
}

std::int32_t fnv1a_partition(protocol::Bytes key, std::int32_t partition_count) noexcept {
  // librdkafka takes the hash as a signed 32-bit value and its absolute value
  // modulo the count (the magnitude, computed unsigned so INT32_MIN is defined).
  const auto h = static_cast<std::int32_t>(fnv1a(key));
  const std::uint32_t magnitude = h < 0 ? 0u - static_cast<std::uint32_t>(h) : static_cast<std::uint32_t>(h);
  return static_cast<std::int32_t>(magnitude % static_cast<std::uint32_t>(partition_count));
}

namespace detail {

std::optional<std::int32_t> keyed_partition(BuiltinPartitioner mode, const std::optional<Bytes>& key,
                                            std::int32_t partition_count) noexcept {
  const Bytes k = key.value_or(Bytes{});
  switch (mode) {
    case BuiltinPartitioner::default_partitioner:
      if (key) return murmur2_partition(k, partition_count);
      return std::nullopt;
    case BuiltinPartitioner::murmur2: return murmur2_partition(k, partition_count);
    case BuiltinPartitioner::consistent: return consistent_partition(k, partition_count);
    case BuiltinPartitioner::consistent_random:
      if (!k.empty()) return consistent_partition(k, partition_count);
      return std::nullopt;
    case BuiltinPartitioner::fnv1a: return fnv1a_partition(k, partition_count);
    case BuiltinPartitioner::fnv1a_random:
      if (key) return fnv1a_partition(k, partition_count);
      return std::nullopt;
    case BuiltinPartitioner::uniform_sticky:
    case BuiltinPartitioner::random: return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace detail
}  // namespace kwire
