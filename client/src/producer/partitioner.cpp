// Partition choice (see partitioner.hpp) and Java's murmur2.
#include "producer/partitioner.hpp"

#include "producer/partition_hashes.hpp"

#include <random>

namespace kwire {

std::int32_t murmur2(protocol::Bytes data) noexcept {
  // Java's org.apache.kafka.common.utils.Utils.murmur2: MurmurHash2, 32-bit,
  // seed 0x9747b28c, little-endian 4-byte blocks, Java's int arithmetic.
  const std::uint32_t seed = 0x9747b28c;
  const std::uint32_t m = 0x5bd1e995;
  const int r = 24;
  const std::size_t length = data.size();
  std::uint32_t h = seed ^ static_cast<std::uint32_t>(length);
  const std::size_t blocks = length / 4;
  for (std::size_t i = 0; i < blocks; ++i) {
    const std::uint8_t* p = data.data() + i * 4;
    std::uint32_t k = std::uint32_t(p[0]) | (std::uint32_t(p[1]) << 8) | (std::uint32_t(p[2]) << 16) |
                      (std::uint32_t(p[3]) << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  const std::uint8_t* tail = data.data() + blocks * 4;
  switch (length % 4) {
    case 3: h ^= std::uint32_t(tail[2]) << 16; [[fallthrough]];
    case 2: h ^= std::uint32_t(tail[1]) << 8; [[fallthrough]];
    case 1:
      h ^= std::uint32_t(tail[0]);
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<std::int32_t>(h);
}

std::int32_t murmur2_partition(protocol::Bytes key, std::int32_t partition_count) noexcept {
  // Java's Utils.toPositive: clear the sign bit (not abs).
  std::int32_t positive = murmur2(key) & 0x7fffffff;
  return positive % partition_count;
}

namespace detail {

Partitioner::Partitioner(BuiltinPartitioner mode, CustomPartitioner custom, std::size_t sticky_batch_size)
    : mode_(mode), custom_(std::move(custom)), sticky_batch_size_(sticky_batch_size == 0 ? 1 : sticky_batch_size) {}

Partitioner::Choice Partitioner::choose(std::string_view topic, std::optional<Bytes> key, std::int32_t partition_count,
                                        std::span<const std::int32_t> available) {
  return choose_with(topic, nullptr, key, partition_count, available);
}

Partitioner::Choice Partitioner::choose_with(std::string_view topic, StickyState* sticky, std::optional<Bytes> key,
                                             std::int32_t partition_count, std::span<const std::int32_t> available) {
  if (custom_) {
    std::int32_t p = custom_(topic, key, partition_count, available);
    if (p != -1) return {p, false};
  }
  if (auto p = keyed_partition(mode_, key, partition_count)) return {*p, false};
  if (mode_ == BuiltinPartitioner::random) return {pick_next(-1, partition_count), false};
  StickyState& st = sticky != nullptr ? *sticky : state_for(topic);
  std::int32_t p = st.partition.load(std::memory_order_acquire);
  if (p < 0 || p >= partition_count) {
    std::int32_t next = pick_next(-1, partition_count);
    // Several threads may race here; one wins and the others adopt its choice.
    if (st.partition.compare_exchange_strong(p, next, std::memory_order_acq_rel)) {
      st.produced_bytes.store(0, std::memory_order_relaxed);
      p = next;
    }
    if (p < 0 || p >= partition_count) p = next;
  }
  return {p, true, &st};
}

void Partitioner::on_appended(std::string_view topic, std::int32_t partition, std::size_t bytes,
                              std::int32_t partition_count) {
  on_appended(Choice{partition, true, &state_for(topic)}, bytes, partition_count);
}

void Partitioner::on_appended(const Choice& choice, std::size_t bytes, std::int32_t partition_count) {
  StickyState& st = *choice.state;
  const std::int32_t partition = choice.partition;
  if (st.partition.load(std::memory_order_acquire) != partition) return;
  std::size_t total = st.produced_bytes.fetch_add(bytes, std::memory_order_acq_rel) + bytes;
  if (total < sticky_batch_size_) return;
  // Only the thread that moves the partition resets the count.
  std::int32_t expected = partition;
  if (st.partition.compare_exchange_strong(expected, pick_next(partition, partition_count),
                                           std::memory_order_acq_rel)) {
    st.produced_bytes.store(0, std::memory_order_release);
  }
}

void Partitioner::move_on(const Choice& choice, std::int32_t partition_count) {
  StickyState& st = *choice.state;
  std::int32_t expected = choice.partition;
  if (st.partition.compare_exchange_strong(expected, pick_next(choice.partition, partition_count),
                                           std::memory_order_acq_rel)) {
    st.produced_bytes.store(0, std::memory_order_release);
  }
}

Partitioner::StickyState& Partitioner::state_for(std::string_view topic) {
  return topics_.find_or_add(topic, [] { return std::make_unique<StickyState>(); });
}

std::int32_t Partitioner::pick_next(std::int32_t current, std::int32_t partition_count) {
  thread_local std::minstd_rand rng{std::random_device{}()};
  if (partition_count <= 1) return 0;
  if (current < 0 || current >= partition_count) {
    return static_cast<std::int32_t>(rng() % static_cast<std::uint32_t>(partition_count));
  }
  // Uniform over the other partitions, so a switch always moves.
  auto offset = 1 + static_cast<std::int32_t>(rng() % static_cast<std::uint32_t>(partition_count - 1));
  return (current + offset) % partition_count;
}

}  // namespace detail
}  // namespace kwire
