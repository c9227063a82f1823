// Chooses a partition for a record without an explicit one: the user-supplied
// function if any (shown the partitions that have a leader), murmur2 of the key as the Java client (keyed records), or
// the uniform sticky partitioner of KIP-794 (keyless records, or all records
// with partitioner.ignore.keys): stay on one partition until batch.size bytes
// went to it, then move to another chosen at random.
// Threads: thread-safe; per-topic state is atomic, the topic table only grows
// and is read without a lock (grow_only_tables.hpp).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "kwire/partitioner.hpp"
#include "kwire/producer_config.hpp"
#include "kwire/record.hpp"
#include "producer/grow_only_tables.hpp"

namespace kwire::detail {

class Partitioner {
 public:
  Partitioner(BuiltinPartitioner mode, CustomPartitioner custom, std::size_t sticky_batch_size);

  // A topic's sticky partition and the bytes that went to it.
  struct StickyState {
    std::atomic<std::int32_t> partition{-1};
    std::atomic<std::size_t> produced_bytes{0};
  };
  struct Choice {
    std::int32_t partition = -1;
    bool sticky = false;  // call on_appended after the append
    StickyState* state = nullptr;  // the topic's sticky state, when sticky (no second lookup)
  };
  // partition_count > 0. A user function's result outside [0, count) other
  // than -1 is returned as is; the caller rejects it (errc::invalid_partition).
  // `available` (the partitions with a leader) is shown to the user function only.
  Choice choose(std::string_view topic, std::optional<Bytes> key, std::int32_t partition_count,
                std::span<const std::int32_t> available = {});
  // The same with the topic's sticky state already found (sticky_state()).
  // Inline for the send path's common case (keyless record, built-in
  // sticky partitioner, no user function): one load of the sticky partition.
  Choice choose(std::string_view topic, StickyState& sticky, std::optional<Bytes> key, std::int32_t partition_count,
                std::span<const std::int32_t> available = {}) {
    if (!custom_ && (mode_ == BuiltinPartitioner::uniform_sticky ||
                     (mode_ == BuiltinPartitioner::default_partitioner && !key))) {
      const std::int32_t p = sticky.partition.load(std::memory_order_acquire);
      if (p >= 0 && p < partition_count) return {p, true, &sticky};
    }
    return choose_with(topic, &sticky, key, partition_count, available);
  }
  // A user function is set: the caller then looks up what it is shown.
  bool has_custom() const noexcept { return static_cast<bool>(custom_); }
  // A topic's sticky state, stable for the partitioner's life: the producer
  // keeps it in its per-topic handle so a send looks the topic up once.
  StickyState& sticky_state(std::string_view topic) { return state_for(topic); }

  // Counts bytes that went to the sticky partition; switches after batch.size.
  void on_appended(std::string_view topic, std::int32_t partition, std::size_t bytes, std::int32_t partition_count);
  // The same for a sticky choice of choose(), with the state it found.
  void on_appended(const Choice& choice, std::size_t bytes, std::int32_t partition_count);
  // The sticky partition of `choice` took its batch.size bytes: move on to
  // another one (unless another thread did already). The producer counts
  // the bytes itself, per partition and thread stripe (OpenBatchSlot), so a
  // record costs no atomic read-modify-write here (issue 15, direction 2).
  void move_on(const Choice& choice, std::int32_t partition_count);

 private:
  StickyState& state_for(std::string_view topic);
  // choose() with `sticky` found on demand (null: look it up when needed).
  Choice choose_with(std::string_view topic, StickyState* sticky, std::optional<Bytes> key,
                     std::int32_t partition_count, std::span<const std::int32_t> available);
  std::int32_t pick_next(std::int32_t current, std::int32_t partition_count);

  const BuiltinPartitioner mode_;
  const CustomPartitioner custom_;
  const std::size_t sticky_batch_size_;
  GrowOnlyTopicMap<StickyState> topics_;
};

}  // namespace kwire::detail
