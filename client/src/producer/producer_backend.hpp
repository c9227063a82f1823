// What the Producer needs from the cluster, behind interfaces so tests can
// plug in an in-process broker: the sender's transport (leaders, Produce,
// InitProducerId) and topic metadata for partitioning (partition counts,
// leaders, a bounded wait for a topic not yet known). The network backend builds both on
// kwire::net's connection pool and the metadata cache.
// Threads: TopicMetadataSource is called from user threads (thread-safe); the
// transport only on the io thread.
#pragma once

#include <asio/any_io_executor.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <system_error>
#include <vector>

#include "kwire/net/connection_pool.hpp"
#include "kwire/partition_info.hpp"
#include "kwire/producer_config.hpp"
#include "producer/sender/sender_transport.hpp"

namespace kwire::detail {

// A topic's partitions as one metadata response described them, for user
// threads: what partitions_for() reports and what a custom partitioner is
// shown as `available`. Immutable once published.
struct TopicPartitionsView {
  std::vector<PartitionInfo> partitions;  // indexed by partition
  std::vector<std::int32_t> available;    // the partitions with a leader, ascending
};

class TopicMetadataSource {
 public:
  using Clock = std::chrono::steady_clock;
  virtual ~TopicMetadataSource() = default;
  // Partition count if the topic is known; never blocks.
  virtual std::optional<std::int32_t> partition_count(std::string_view topic) = 0;
  // Where a known topic's count is kept up to date, for a caller that keeps
  // the pointer (one topic lookup per send): stable for the source's life,
  // read with an acquire load, the same value partition_count() returns.
  // Null when the topic is unknown or the source keeps no such place (the
  // caller then asks partition_count() every time).
  virtual const std::atomic<std::int32_t>* partition_count_slot(std::string_view /*topic*/) { return nullptr; }
  // Where a known topic's latest view is published, replaced (never changed
  // in place) when metadata changes it: stable for the source's life, as is
  // every view published there (a reader may still hold an old one). A new
  // view is stored before the count slot changes, so a caller that loads the
  // count and then the view (both acquire) gets a view at least as new.
  // Null when the topic is unknown or the source knows no leaders.
  virtual const std::atomic<const TopicPartitionsView*>* partitions_view_slot(std::string_view /*topic*/) {
    return nullptr;
  }
  // Waits (user thread) until the topic is known. errc::metadata_timeout at
  // the deadline, or the broker's error for the topic.
  virtual std::error_code wait_for_topic(std::string_view topic, Clock::time_point deadline) = 0;
};

struct ProducerBackend {
  std::unique_ptr<SenderTransport> transport;
  std::unique_ptr<TopicMetadataSource> metadata;
  // The connection pool, for the transaction and group coordinators' requests;
  // null on backends without one (transactions are then unavailable).
  std::shared_ptr<net::ConnectionPool> pool;
  // Run on the io thread at close, after the sender finished: stop background
  // work (metadata refresh, connections) so the io_context can stop.
  std::function<void()> shutdown;
};

// Builds the backend on the producer's io executor.
using BackendFactory = std::function<ProducerBackend(asio::any_io_executor, const ProducerConfig&)>;

// The real one: kwire::net connection pool and metadata cache.
ProducerBackend make_network_backend(asio::any_io_executor executor, const ProducerConfig& config);

}  // namespace kwire::detail
