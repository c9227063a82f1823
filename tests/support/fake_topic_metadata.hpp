// The one fake metadata source the tests share: partition counts of topics a
// test declares, for a Producer built on a test backend (ProducerTestAccess).
// A topic it does not know never appears: wait_for_topic() ends at its
// deadline with errc::metadata_timeout, unless the test adds the topic first
// (add() ends the wait at once, as the metadata cache does).
// Threads: any.
#pragma once

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
  explicit FakeTopicMetadata(Counts counts = {}) : counts_(std::move(counts)) {}

  void add(std::string topic, std::int32_t partitions) {
    std::lock_guard lock(mu_);
    counts_[std::move(topic)] = partitions;
    cv_.notify_all();
  }

  std::optional<std::int32_t> partition_count(std::string_view topic) override {
    std::lock_guard lock(mu_);
    const auto known = counts_.find(topic);
    return known != counts_.end() ? std::optional<std::int32_t>(known->second) : std::nullopt;
  }
  std::error_code wait_for_topic(std::string_view topic, Clock::time_point deadline) override {
    std::unique_lock lock(mu_);
    if (cv_.wait_until(lock, deadline, [&] { return counts_.find(topic) != counts_.end(); })) return {};
    return kwire::errc::metadata_timeout;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  Counts counts_;
};

}  // namespace kwire::test
