// The user-supplied partitioner hook and the hashes of the built-in
// partitioners (Java's murmur2, librdkafka's CRC-32 and FNV-1a), so callers
// can reproduce where a partitioner puts a key.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>

#include "kwire/protocol/wire/bytes.hpp"

namespace kwire {

// Called on the sending thread for records without an explicit partition.
// Return a partition in [0, partition_count), or -1 to fall back to the
// built-in partitioner. Must be thread-safe if several threads send.
using PartitionerFunction = std::function<std::int32_t(
    std::string_view topic, std::optional<protocol::Bytes> key, std::int32_t partition_count)>;

// The same, also shown the partitions that have a leader (aiokafka's
// partitioner(key, all_partitions, available)): ascending partition ids from
// the producer's latest metadata. The list is a snapshot the producer
// publishes when metadata changes, not built per record; it is valid during
// the call only. It may be empty (no partition has a leader): return a
// partition anyway (its records wait for a leader) or -1.
using AvailabilityPartitionerFunction =
    std::function<std::int32_t(std::string_view topic, std::optional<protocol::Bytes> key,
                               std::int32_t partition_count, std::span<const std::int32_t> available)>;

// ProducerConfig::custom_partitioner: a function of either form above, so
// `config.custom_partitioner = [](std::string_view, std::optional<kwire::Bytes>,
// std::int32_t) {...}` and the four-argument lambda both assign. Empty by default.
class CustomPartitioner {
  template <typename F>
  static constexpr bool sees_available =
      std::is_invocable_r_v<std::int32_t, F&, std::string_view, std::optional<protocol::Bytes>, std::int32_t,
                            std::span<const std::int32_t>>;

 public:
  CustomPartitioner() = default;

  template <typename F>
    requires(!std::is_same_v<F, CustomPartitioner> && sees_available<F>)
  CustomPartitioner(F f) : call_(std::move(f)) {}  // NOLINT: implicit on purpose, like std::function

  template <typename F>
    requires(!std::is_same_v<F, CustomPartitioner> && !sees_available<F> &&
             std::is_invocable_r_v<std::int32_t, F&, std::string_view, std::optional<protocol::Bytes>, std::int32_t>)
  CustomPartitioner(F f) {  // NOLINT: implicit on purpose
    // An empty std::function stays an empty partitioner, not one that throws.
    if constexpr (std::is_same_v<F, PartitionerFunction>) {
      if (!f) return;
    }
    call_ = [g = std::move(f)](std::string_view topic, std::optional<protocol::Bytes> key, std::int32_t count,
                               std::span<const std::int32_t>) mutable -> std::int32_t { return g(topic, key, count); };
  }

  explicit operator bool() const noexcept { return static_cast<bool>(call_); }
  std::int32_t operator()(std::string_view topic, std::optional<protocol::Bytes> key, std::int32_t partition_count,
                          std::span<const std::int32_t> available) const {
    return call_(topic, key, partition_count, available);
  }

 private:
  AvailabilityPartitionerFunction call_;
};

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
