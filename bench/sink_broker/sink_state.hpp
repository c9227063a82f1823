// What the sink broker remembers: the brokers it pretends to be, the topics
// it has been asked about (every topic exists, with the configured partition
// count), the next offset of every partition and the next producer id.
// Shared by all connection threads: thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace kwire::bench {

struct SinkBroker {
  std::int32_t node_id;
  std::string host;
  std::int32_t port;
};

class SinkState {
 public:
  SinkState(std::vector<SinkBroker> brokers, std::int32_t partitions, std::chrono::microseconds produce_delay)
      : brokers_(std::move(brokers)), partitions_(partitions), produce_delay_(produce_delay) {}

  const std::vector<SinkBroker>& brokers() const noexcept { return brokers_; }
  std::int32_t partitions() const noexcept { return partitions_; }
  std::chrono::microseconds produce_delay() const noexcept { return produce_delay_; }
  // Partition p's leader, spread round-robin over the brokers.
  std::int32_t leader_of(std::int32_t partition) const noexcept {
    return brokers_[static_cast<std::size_t>(partition) % brokers_.size()].node_id;
  }

  // Remembers the topic (for "all topics" metadata requests).
  void touch_topic(const std::string& topic);
  std::vector<std::string> topics() const;
  // Reserves `records` offsets in topic/partition; returns the first.
  std::int64_t append(const std::string& topic, std::int32_t partition, std::int64_t records);
  std::int64_t next_producer_id() noexcept { return producer_ids_.fetch_add(1) ; }

  std::atomic<std::uint64_t> produce_requests{0};
  std::atomic<std::uint64_t> records_appended{0};
  std::atomic<std::uint64_t> bytes_appended{0};

 private:
  std::vector<SinkBroker> brokers_;
  std::int32_t partitions_;
  std::chrono::microseconds produce_delay_;
  mutable std::mutex mu_;
  std::map<std::string, std::vector<std::int64_t>> next_offsets_;
  std::atomic<std::int64_t> producer_ids_{1000};
};

}  // namespace kwire::bench
