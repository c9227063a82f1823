// The user-supplied partitioner hook and the hashes of the built-in
// partitioners (Java's murmur2, librdkafka's CRC-32 and FNV-1a), so callers
// can reproduce where a partitioner puts a key.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "kwire/protocol/wire/bytes.hpp"

namespace kwire {

// Called on the sending thread for records without an explicit partition.
// Return a partition in [0, partition_count), or -1 to fall back to the
// built-in partitioner. Must be thread-safe if several threads send.
using PartitionerFunction = std::function<std::int32_t(
    std::string_view topic, std::optional<protocol::Bytes> key, std::int32_t partition_count)>;

// Java's Utils.murmur2 (seed 0x9747b28c), as a signed 32-bit result.
std::int32_t murmur2(protocol::Bytes data) noexcept;
// The Java client's partition for a non-null key: toPositive(murmur2(key)) % count.
std::int32_t murmur2_partition(protocol::Bytes key, std::int32_t partition_count) noexcept;

// librdkafka's other hashes, so keys land where librdkafka's partitioners put
// them: "consistent" is CRC-32 (zlib's, IEEE) of the key modulo the count,
// "fnv1a" is |32-bit FNV-1a of the key, as a signed value| modulo the count.
std::uint32_t crc32_of(protocol::Bytes data) noexcept;
std::int32_t consistent_partition(protocol::Bytes key, std::int32_t partition_count) noexcept;
std::uint32_t fnv1a(protocol::Bytes data) noexcept;
std::int32_t fnv1a_partition(protocol::Bytes key, std::int32_t partition_count) noexcept;

}  // namespace kwire
