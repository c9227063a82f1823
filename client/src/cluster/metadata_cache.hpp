// The client's view of the cluster: brokers, topics, partitions, leaders and
// leader epochs, from Metadata responses. Refreshed periodically
// (metadata.max.age.ms), when a connection is lost, when a caller reports an
// error that means the view is stale (NOT_LEADER_OR_FOLLOWER,
// UNKNOWN_TOPIC_OR_PARTITION, ...), and when a caller waits for a topic it
// does not know yet. Refreshes are coalesced and rate-limited
// (metadata_refresh_backoff), except the first one and the first request for
// a newly wanted topic: those go out at once (a producer's first send must not
// wait out the backoff of the start-up refresh), and every topic added before
// that request goes out rides on it. Feeds broker addresses to the connection
// pool.
//
// Thread: io_context thread only (the same thread as the pool). Private to
// the client layer.
#pragma once

// A standard header before Asio's: Asio picks its aligned allocator from
// libstdc++'s configuration macros, and every translation unit must agree.
#include <cstddef>

#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "kwire/net/connection_pool.hpp"

namespace kwire::detail {

struct PartitionMetadata {
  std::int32_t partition = 0;
  std::int32_t leader = -1;        // -1: no leader right now
  std::int32_t leader_epoch = -1;  // -1: the broker's Metadata version has none
  std::int16_t error_code = 0;
  std::vector<std::int32_t> replicas;
  std::vector<std::int32_t> isr;
};

struct TopicMetadata {
  std::string name;
  std::int16_t error_code = 0;
  std::vector<PartitionMetadata> partitions;  // indexed by partition number
};

class MetadataCache : public std::enable_shared_from_this<MetadataCache> {
 public:
  static std::shared_ptr<MetadataCache> create(std::shared_ptr<net::ConnectionPool> pool);
  ~MetadataCache();
  MetadataCache(const MetadataCache&) = delete;
  MetadataCache& operator=(const MetadataCache&) = delete;

  // Starts the refresh loop (first refresh at once) and listens for lost
  // connections. stop() ends it; waiters then fail with shutting_down.
  void start();
  void stop();

  // Lookups in what is cached; none of them sends anything.
  std::optional<std::int32_t> leader(std::string_view topic, std::int32_t partition) const;
  std::optional<PartitionMetadata> partition(std::string_view topic, std::int32_t partition) const;
  std::optional<std::int32_t> partition_count(std::string_view topic) const;
  const TopicMetadata* topic(std::string_view name) const;
  const std::vector<net::BrokerAddress>& brokers() const noexcept { return brokers_; }
  std::int32_t controller_id() const noexcept { return controller_id_; }
  // Counts successful refreshes; a caller can tell whether the view changed.
  std::uint64_t generation() const noexcept { return generation_; }

  // Topics the cache keeps up to date (Metadata asks for these only).
  void add_topic(std::string name);

  // Called after every successful refresh, once the cache holds its answer
  // (one listener; the producer publishes leaders to user threads from it).
  void set_refresh_listener(std::function<void()> listener) { on_refreshed_ = std::move(listener); }

  // Waits until `topic` has partitions in the cache, refreshing as needed,
  // for at most `timeout`. Returns the broker's error for the topic
  // (UNKNOWN_TOPIC_OR_PARTITION...) or net_errc::request_timed_out; a
  // refresh that failed for a security reason (is_security_failure: a
  // refused password, an untrusted certificate) ends the wait at once with it.
  asio::awaitable<std::error_code> wait_for_topic(std::string topic, std::chrono::milliseconds timeout);

  // Asks for a refresh soon (coalesced; not before the refresh backoff).
  void request_refresh();
  // Refreshes once now and waits for it.
  asio::awaitable<std::error_code> refresh();
  // Call with an error a broker returned for a partition or request: the
  // errors that mean the cache is stale trigger request_refresh(). Returns
  // true if it did.
  bool on_error(std::error_code ec);

  // The pool connection of a broker, or of a partition's current leader.
  asio::awaitable<net::ConnectionResult> broker_connection(std::int32_t broker_id);
  asio::awaitable<net::ConnectionResult> leader_connection(std::string topic, std::int32_t partition);

  net::ConnectionPool& pool() noexcept { return *pool_; }

 private:
  explicit MetadataCache(std::shared_ptr<net::ConnectionPool> pool);
  static asio::awaitable<void> refresh_loop(std::weak_ptr<MetadataCache> weak, std::shared_ptr<asio::steady_timer> wake);
  asio::awaitable<std::error_code> refresh_once();
  void notify_waiters();
  void log(net::LogLevel level, const std::string& message) const;

  std::shared_ptr<net::ConnectionPool> pool_;
  std::vector<net::BrokerAddress> brokers_;
  std::map<std::string, TopicMetadata, std::less<>> topics_;
  std::set<std::string, std::less<>> wanted_topics_;
  std::int32_t controller_id_ = -1;
  std::uint64_t generation_ = 0;
  std::error_code last_failure_;  // of the last refresh (none once one succeeds)
  std::shared_ptr<asio::steady_timer> wake_;  // the refresh loop sleeps on it
  std::vector<std::weak_ptr<asio::steady_timer>> waiters_;  // woken after every refresh attempt
  std::function<void()> on_refreshed_;
  std::chrono::steady_clock::time_point last_attempt_{};
  std::chrono::steady_clock::time_point last_success_{};
  bool attempted_ = false;           // a refresh has been sent at least once
  bool new_topic_unasked_ = false;   // a wanted topic no request has named yet
  bool refresh_requested_ = false;
  bool refreshing_ = false;
  bool running_ = false;
  bool stopped_ = false;
};

}  // namespace kwire::detail
