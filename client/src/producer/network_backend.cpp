// The Producer's backend on the real network, the one place where the
// producer meets kwire::net: the connection pool (with TLS/SASL from the
// security settings) and the metadata cache behind the sender's transport
// (leaders, Produce, InitProducerId) and behind a thread-safe view of
// partition counts and leaders for user threads (the cache itself is
// io-thread only).
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <functional>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cluster/metadata_cache.hpp"
#include "config/connection_settings.hpp"
#include "config/net_security.hpp"
#include "connection_error.hpp"
#include "kwire/errors.hpp"
#include "kwire/net/config.hpp"
#include "kwire/net/connection_pool.hpp"
#include "kwire/net/errors.hpp"
#include "producer/grow_only_tables.hpp"
#include "producer/producer_backend.hpp"

namespace kwire::detail {
namespace {

// Partition counts and leaders for user threads: a copy of what the cache
// knew after its last refresh, read without a lock (a grow-only table of
// atomic counts and view pointers: every send reads it). A view is replaced
// only when a refresh changed it (a leader lost or elected, partitions
// added), and old ones are kept for readers that may still hold them: a few
// bytes per partition per change.
// While a user thread waits for a topic, the producer also probes the
// bootstrap connections: a wrong password or an untrusted certificate then
// fails the wait at once with that error, as the Java client's
// AuthenticationException does, instead of ending in a metadata timeout; and
// a wait that times out while no bootstrap server could be reached says which
// address failed and why ("connection refused to 127.0.0.1:9092").
class NetTopicMetadataSource final : public TopicMetadataSource {
 public:
  NetTopicMetadataSource(asio::any_io_executor ex, std::shared_ptr<net::ConnectionPool> pool,
                   std::shared_ptr<detail::MetadataCache> cache)
      : ex_(std::move(ex)), pool_(std::move(pool)), cache_(std::move(cache)) {}

  std::optional<std::int32_t> partition_count(std::string_view topic) override {
    const KnownTopic* known = topics_.find(topic);
    if (known == nullptr) return std::nullopt;
    return known->count.load(std::memory_order_acquire);
  }

  // Entries live as long as the table.
  const std::atomic<std::int32_t>* partition_count_slot(std::string_view topic) override {
    KnownTopic* known = topics_.find(topic);
    return known != nullptr ? &known->count : nullptr;
  }
  const std::atomic<const TopicPartitionsView*>* partitions_view_slot(std::string_view topic) override {
    KnownTopic* known = topics_.find(topic);
    return known != nullptr ? &known->view : nullptr;
  }

  std::error_code wait_for_topic(std::string_view topic, Clock::time_point deadline) override {
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (remaining.count() < 0) remaining = std::chrono::milliseconds(0);
    auto done = std::make_shared<WaitOutcome>();
    auto result = done->promise.get_future();
    asio::co_spawn(
        ex_,
        [this, name = std::string(topic), remaining, done]() -> asio::awaitable<void> {
          cache_->add_topic(name);
          std::error_code ec = co_await cache_->wait_for_topic(name, remaining);
          if (!ec) {
            if (const TopicMetadata* t = cache_->topic(name); t != nullptr && !t->partitions.empty()) {
              // Filled before it is added: a user thread never sees a count of 0.
              KnownTopic& known = topics_.find_or_add(name, [&] {
                auto made = std::make_unique<KnownTopic>();
                update(*made, *t);
                return made;
              });
              update(known, *t);
            } else {
              ec = errc::metadata_timeout;
            }
          }
          if ((ec == errc::metadata_timeout || ec == net::net_errc::request_timed_out) && done->unreachable) {
            ec = done->unreachable;
          }
          done->finish(ec);
        },
        asio::detached);
    asio::co_spawn(ex_, probe_bootstrap(pool_, done, deadline), asio::detached);
    // The cache's own timeout ends the wait; the slack covers a stalled io thread.
    if (result.wait_until(deadline + std::chrono::seconds(2)) != std::future_status::ready) {
      return errc::metadata_timeout;
    }
    std::error_code ec = result.get();
    if (ec == net::net_errc::request_timed_out) return errc::metadata_timeout;
    return ec;
  }

  // io thread, after each metadata refresh: refresh the copies (partitions
  // may have been added, leaders lost or elected).
  void refresh() {
    topics_.for_each([this](std::string_view name, KnownTopic& known) {
      if (const TopicMetadata* t = cache_->topic(name); t != nullptr && !t->partitions.empty()) update(known, *t);
    });
  }

 private:
  struct KnownTopic {
    std::atomic<std::int32_t> count{0};
    std::atomic<const TopicPartitionsView*> view{nullptr};
    std::vector<std::unique_ptr<const TopicPartitionsView>> published;  // io thread only
  };

  // io thread: publishes the topic's view if it changed (the view first, then
  // the count: see TopicMetadataSource::partitions_view_slot).
  static void update(KnownTopic& known, const TopicMetadata& t) {
    const TopicPartitionsView* current = known.view.load(std::memory_order_relaxed);
    if (current == nullptr || !shows(*current, t)) known.view.store(publish(known, t), std::memory_order_release);
    known.count.store(static_cast<std::int32_t>(t.partitions.size()), std::memory_order_release);
  }
  // Whether `view` already says what `t` says (most refreshes change nothing).
  static bool shows(const TopicPartitionsView& view, const TopicMetadata& t) {
    if (view.partitions.size() != t.partitions.size()) return false;
    for (std::size_t i = 0; i < t.partitions.size(); ++i) {
      const PartitionInfo& was = view.partitions[i];
      const PartitionMetadata& now = t.partitions[i];
      if (was.leader != std::max(now.leader, std::int32_t{-1}) || was.replicas != now.replicas || was.in_sync_replicas != now.isr)
        return false;
    }
    return true;
  }
  static const TopicPartitionsView* publish(KnownTopic& known, const TopicMetadata& t) {
    auto fresh = std::make_unique<TopicPartitionsView>();
    fresh->partitions.reserve(t.partitions.size());
    for (const PartitionMetadata& p : t.partitions) {
      const bool led = p.leader >= 0;
      fresh->partitions.push_back(PartitionInfo{p.partition, led ? p.leader : -1, p.replicas, p.isr, led});
      if (led) fresh->available.push_back(p.partition);
    }
    return known.published.emplace_back(std::move(fresh)).get();
  }

  // Completed once, on the io thread, by whichever of the wait and the probe ends first.
  struct WaitOutcome {
    std::promise<std::error_code> promise;
    bool finished = false;
    // The last bootstrap connection failure, with its address; cleared once a
    // bootstrap server was reached (a timeout is then the topic's, not the network's).
    std::error_code unreachable;
    void finish(std::error_code ec) {
      if (finished) return;
      finished = true;
      promise.set_value(ec);
    }
  };

  // io thread: tries the bootstrap servers in turn (each attempt after the
  // pool's reconnect backoff) until one is usable, the wait is over, or one
  // fails for a security reason. Other failures are remembered with their address.
  static asio::awaitable<void> probe_bootstrap(std::shared_ptr<net::ConnectionPool> pool,
                                               std::shared_ptr<WaitOutcome> done, Clock::time_point deadline) {
    while (!done->finished && Clock::now() < deadline) {
      for (std::int32_t id = net::kFirstBootstrapId;; --id) {
        // Brokers known: the cluster answered a Metadata request, so a
        // bootstrap server was reached (and passed the security set-up).
        if (!pool->known_brokers().empty()) {
          done->unreachable.clear();
          co_return;
        }
        auto [ec, conn] = co_await pool->connection(id);
        if (ec == net::net_errc::unknown_broker) {
          if (id == net::kFirstBootstrapId) co_return;  // no bootstrap servers left to probe
          break;
        }
        if (done->finished || ec == net::net_errc::shutting_down || ec == net::net_errc::cancelled) co_return;
        if (!ec) {
          done->unreachable.clear();
          co_return;
        }
        if (is_security_failure(ec)) {
          done->finish(ec);
          co_return;
        }
        if (auto address = pool->address_of(id)) done->unreachable = connection_error(ec, address->first, address->second);
      }
    }
  }

  asio::any_io_executor ex_;
  std::shared_ptr<net::ConnectionPool> pool_;
  std::shared_ptr<detail::MetadataCache> cache_;
  GrowOnlyTopicMap<KnownTopic> topics_;  // written on the io thread only
};

// The sender's transport: Produce and InitProducerId through the pool,
// leaders from the metadata cache (which also learns of every topic the
// sender asks about). io thread only, like the pool and the cache.
class NetSenderTransport final : public SenderTransport {
 public:
  NetSenderTransport(std::shared_ptr<net::ConnectionPool> pool, std::shared_ptr<detail::MetadataCache> metadata)
      : pool_(std::move(pool)), metadata_(std::move(metadata)) {}

  std::optional<std::int32_t> leader_of(std::string_view topic, std::int32_t partition) override {
    auto leader = metadata_->leader(topic, partition);
    if (leader && *leader < 0) return std::nullopt;
    return leader;
  }

  void request_metadata_refresh(std::string_view topic) override {
    metadata_->add_topic(std::string(topic));
    metadata_->request_refresh();
  }

  void on_leaders_changed(std::function<void()> changed) override { leaders_changed_ = std::move(changed); }
  // The cache's refresh listener calls this after every refresh.
  void refreshed() {
    if (leaders_changed_) leaders_changed_();
  }

  // Segmented batches go to the connection as they are (gather write).
  asio::awaitable<net::Result<protocol::messages::ProduceResponse>> produce(
      std::int32_t broker, const OutgoingProduceRequest& request, bool& written) override {
    co_return co_await pool_->send<protocol::messages::ProduceResponse>(broker, request,
                                                                        produce_options(request, written));
  }

  asio::awaitable<std::error_code> produce_without_ack(std::int32_t broker, const OutgoingProduceRequest& request,
                                                       bool& written) override {
    co_return co_await pool_->send_no_response(broker, request, produce_options(request, written));
  }

  asio::awaitable<net::Result<protocol::messages::InitProducerIdResponse>> init_producer_id(
      const protocol::messages::InitProducerIdRequest& request) override {
    co_return co_await pool_->send_any<protocol::messages::InitProducerIdResponse>(request);
  }

  void cancel_all() override { pool_->shutdown(); }

  void prepare_connection(std::int32_t broker) override {
    if (pool_->connected(broker) != nullptr || !preparing_->insert(broker).second) return;
    // The pool keeps the connection; a failed attempt is the pool's to log and
    // back off from, and the batch's own send tries again.
    asio::co_spawn(
        pool_->executor(),
        [pool = pool_, preparing = preparing_, broker]() -> asio::awaitable<void> {
          (void)co_await pool->connection(broker);
          preparing->erase(broker);
        },
        asio::detached);
  }

 private:
  static net::SendOptions produce_options(const OutgoingProduceRequest& request, bool& written) {
    net::SendOptions options;
    options.written = &written;
    options.min_version = request.lowest_version();
    return options;
  }

  std::shared_ptr<net::ConnectionPool> pool_;
  std::shared_ptr<detail::MetadataCache> metadata_;
  // Brokers a prepare_connection attempt is under way for (shared with the
  // attempt, which may end after this transport).
  std::shared_ptr<std::set<std::int32_t>> preparing_ = std::make_shared<std::set<std::int32_t>>();
  std::function<void()> leaders_changed_;
};

// ProducerConfig::on_error from the pool's connection failures: security
// failures each time (a wrong password fails every attempt, one per backoff),
// and errc::all_brokers_down once per outage.
void report_connection_failures(net::ConnectionPool& pool, ErrorCallback on_error) {
  pool.set_failure_handler([on_error = std::move(on_error)](std::int32_t id, const std::string& host,
                                                            std::uint16_t port, std::error_code ec, bool all_down) {
    const std::string broker = describe_broker(id, host, port);
    if (is_security_failure(ec)) on_error(ClientError{ec, false, broker + ": " + ec.message()});
    if (all_down) {
      on_error(ClientError{make_error_code(errc::all_brokers_down), false,
                           "all brokers are down; last failure: " + broker + ": " + ec.message()});
    }
  });
}

}  // namespace

ProducerBackend make_network_backend(asio::any_io_executor executor, const ProducerConfig& config) {
  auto pool = net::ConnectionPool::create(executor, connection_settings(config));
  if (config.on_error) report_connection_failures(*pool, config.on_error);
  auto cache = detail::MetadataCache::create(pool);
  auto topics = std::make_unique<NetTopicMetadataSource>(executor, pool, cache);
  auto transport = std::make_unique<NetSenderTransport>(pool, cache);
  // Counts and leaders follow every refresh of the cache, and the sender
  // looks again at batches waiting for a leader (both outlive the listener:
  // shutdown removes it).
  cache->set_refresh_listener([topics_raw = topics.get(), transport_raw = transport.get()] {
    topics_raw->refresh();
    transport_raw->refreshed();
  });
  asio::post(executor, [cache] { cache->start(); });
  ProducerBackend backend;
  backend.transport = std::move(transport);
  backend.metadata = std::move(topics);
  backend.pool = pool;
  backend.shutdown = [pool, cache] {
    cache->stop();
    cache->set_refresh_listener(nullptr);
    pool->shutdown();
  };
  return backend;
}

}  // namespace kwire::detail
