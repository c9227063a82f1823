// The one fake metadata source the tests share: partition counts of topics a
// test declares (with or without count slots), for a Producer built on a test backend (ProducerTestAccess).
// A topic it does not know never appears: wait_for_topic() ends at its
// deadline with errc::metadata_timeout, unless the test adds the topic first
// (add() ends the wait at once, as the metadata cache does).
// Threads: any.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "kwire/errors.hpp"
#include "producer/producer_backend.hpp"

namespace kwire::test {

class FakeTopicMetadata final : public kwire::detail::TopicMetadataSource {
 public:
  using Counts = std::map<std::string, std::int32_t, std::less<>>;
  // kept: a count slot per known topic, as the network backend keeps them
  // (partition_count_slot; add() updates it in place). none: the producer
  // asks partition_count() every time.
  enum class CountSlots { none, kept };
  explicit FakeTopicMetadata(const Counts& counts = {}, CountSlots slots = CountSlots::none) : slots_(slots) {
    for (const auto& [topic, partitions] : counts) counts_.try_emplace(topic, partitions);
  }

  void add(std::string topic, std::int32_t partitions) {
    std::lock_guard lock(mu_);
    const auto [it, fresh] = counts_.try_emplace(std::move(topic), partitions);
    if (!fresh) it->second.store(partitions, std::memory_order_release);
    cv_.notify_all();
  }

  std::optional<std::int32_t> partition_count(std::string_view topic) override {
    std::lock_guard lock(mu_);
    const auto known = counts_.find(topic);
    if (known == counts_.end()) return std::nullopt;
    return known->second.load(std::memory_order_acquire);
  }
  const std::atomic<std::int32_t>* partition_count_slot(std::string_view topic) override {
    std::lock_guard lock(mu_);
    const auto known = counts_.find(topic);
    return slots_ == CountSlots::kept && known != counts_.end() ? &known->second : nullptr;
  }
  std::error_code wait_for_topic(std::string_view topic, Clock::time_point deadline) override {
    std::unique_lock lock(mu_);
    if (cv_.wait_until(lock, deadline, [&] { return counts_.find(topic) != counts_.end(); })) return {};
    return kwire::errc::metadata_timeout;
  }

 private:
  const CountSlots slots_;
  std::mutex mu_;
  std::condition_variable cv_;
  // Map nodes do not move: a slot handed out stays valid.
  std::map<std::string, std::atomic<std::int32_t>, std::less<>> counts_;
};

}  // namespace kwire::test
