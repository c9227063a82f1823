// MetadataCache: the refresh loop, applying Metadata responses, lookups and
// bounded waits for unknown topics. Io_context thread only.
#include "cluster/metadata_cache.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>

#include "cluster/metadata_validation.hpp"
#include "config/net_security.hpp"
#include "kwire/protocol/errors.hpp"
#include "kwire/protocol/messages/metadata_request.hpp"
#include "kwire/protocol/messages/metadata_response.hpp"

namespace kwire::detail {

using Clock = std::chrono::steady_clock;
using kwire::protocol::kafka_errc;
namespace messages = kwire::protocol::messages;

std::shared_ptr<MetadataCache> MetadataCache::create(std::shared_ptr<net::ConnectionPool> pool) {
  return std::shared_ptr<MetadataCache>(new MetadataCache(std::move(pool)));
}

MetadataCache::MetadataCache(std::shared_ptr<net::ConnectionPool> pool)
    : pool_(std::move(pool)), wake_(std::make_shared<asio::steady_timer>(pool_->executor())) {}

MetadataCache::~MetadataCache() { stop(); }

void MetadataCache::start() {
  if (running_ || stopped_) return;
  running_ = true;
  pool_->set_connection_lost_handler([weak = weak_from_this()](std::int32_t, std::error_code) {
    if (auto cache = weak.lock()) cache->request_refresh();
  });
  refresh_requested_ = true;
  asio::co_spawn(pool_->executor(), refresh_loop(weak_from_this(), wake_), asio::detached);
}

void MetadataCache::stop() {
  if (stopped_) return;
  stopped_ = true;
  wake_->cancel();
  notify_waiters();
}

asio::awaitable<void> MetadataCache::refresh_loop(std::weak_ptr<MetadataCache> weak,
                                                  std::shared_ptr<asio::steady_timer> wake) {
  for (;;) {
    Clock::time_point due;
    {
      auto self = weak.lock();
      if (!self || self->stopped_) co_return;
      const auto& config = self->pool_->config();
      const auto now = Clock::now();
      if (!self->attempted_ || self->new_topic_unasked_)
        due = now;  // nothing to rate-limit yet: no request has named these topics
      else if (self->refresh_requested_ || self->generation_ == 0)
        due = std::max(now, self->last_attempt_ + config.metadata_refresh_backoff);
      else
        due = self->last_success_ + config.metadata_max_age;
      if (due <= now && !self->refreshing_) {
        self->refresh_requested_ = false;
        co_await self->refresh_once();
        continue;
      }
      if (self->refreshing_) due = now + config.metadata_refresh_backoff;
    }
    // Sleep without owning the cache, so that dropping it ends the loop.
    wake->expires_at(due);
    std::error_code ignored;
    co_await wake->async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
}

void MetadataCache::request_refresh() {
  if (stopped_) return;
  refresh_requested_ = true;
  wake_->cancel();
}

bool MetadataCache::on_error(std::error_code ec) {
  if (!ec) return false;
  bool stale = net::is_retriable_net_error(ec);
  if (ec.category() == protocol::kafka_category()) {
    switch (static_cast<kafka_errc>(ec.value())) {
      case kafka_errc::not_leader_or_follower:
      case kafka_errc::unknown_topic_or_partition:
      case kafka_errc::leader_not_available:
      case kafka_errc::fenced_leader_epoch:
      case kafka_errc::unknown_leader_epoch:
      case kafka_errc::kafka_storage_error:
      case kafka_errc::broker_not_available:
      case kafka_errc::not_controller:
        stale = true;
        break;
      default:
        break;
    }
  }
  if (stale) request_refresh();
  return stale;
}

asio::awaitable<std::error_code> MetadataCache::refresh() { co_return co_await refresh_once(); }

asio::awaitable<std::error_code> MetadataCache::refresh_once() {
  auto self = shared_from_this();
  refreshing_ = true;
  attempted_ = true;
  new_topic_unasked_ = false;  // this request names every wanted topic
  last_attempt_ = Clock::now();

  messages::MetadataRequest request;
  request.topics.emplace();
  for (const auto& name : wanted_topics_) {
    messages::MetadataRequest::MetadataRequestTopic topic;
    topic.name = name;
    request.topics->push_back(std::move(topic));
  }
  request.allow_auto_topic_creation = true;
  auto [ec, response] = co_await pool_->send_any<messages::MetadataResponse>(request);
  refreshing_ = false;
  if (stopped_) co_return make_error_code(net::net_errc::shutting_down);
  // A topic added while this was in flight is not in its answer: let the loop
  // send for it at once (it sleeps while another caller's refresh runs).
  if (new_topic_unasked_) wake_->cancel();
  last_failure_ = ec;
  if (ec) {
    log(net::LogLevel::warning, "metadata refresh failed: " + ec.message());
    refresh_requested_ = true;  // try again after the backoff
    notify_waiters();
    co_return ec;
  }

  const auto& body = response.body;
  if (auto problem = metadata_response_problem(body); !problem.empty()) {
    log(net::LogLevel::warning, "metadata response refused: " + problem);
    refresh_requested_ = true;
    notify_waiters();
    co_return make_error_code(net::net_errc::malformed_frame);
  }
  std::vector<net::BrokerAddress> brokers;
  for (const auto& b : body.brokers) {
    if (b.port <= 0 || b.port > 65535) continue;
    brokers.push_back({b.node_id, b.host, static_cast<std::uint16_t>(b.port)});
  }
  if (!brokers.empty()) {
    brokers_ = std::move(brokers);
    pool_->set_brokers(brokers_);
  }
  controller_id_ = body.controller_id;

  for (const auto& t : body.topics) {
    if (!t.name) continue;
    TopicMetadata fresh;
    fresh.name = *t.name;
    fresh.error_code = t.error_code;
    if (fresh.error_code != 0) refresh_requested_ = true;  // being created, or a leader election
    // Validated: the indexes are exactly 0 .. size-1, each once.
    fresh.partitions.resize(t.partitions.size());
    auto old = topics_.find(fresh.name);
    for (const auto& p : t.partitions) {
      auto& slot = fresh.partitions[static_cast<std::size_t>(p.partition_index)];
      slot = PartitionMetadata{p.partition_index, p.leader_id, p.leader_epoch, p.error_code, p.replica_nodes,
                               p.isr_nodes};
      // KIP-320: a broker with an older view must not move a leader backwards.
      if (old != topics_.end() && static_cast<std::size_t>(p.partition_index) < old->second.partitions.size()) {
        const auto& known = old->second.partitions[static_cast<std::size_t>(p.partition_index)];
        if (known.leader_epoch >= 0 && p.leader_epoch >= 0 && p.leader_epoch < known.leader_epoch) slot = known;
      }
      if (slot.leader < 0 || slot.error_code != 0) refresh_requested_ = true;
    }
    topics_[fresh.name] = std::move(fresh);
  }
  ++generation_;
  last_success_ = Clock::now();
  if (on_refreshed_) on_refreshed_();
  notify_waiters();
  co_return std::error_code{};
}

void MetadataCache::notify_waiters() {
  auto waiters = std::move(waiters_);
  waiters_.clear();
  for (auto& weak : waiters)
    if (auto timer = weak.lock()) timer->cancel();
}

void MetadataCache::add_topic(std::string name) {
  if (!wanted_topics_.insert(name).second || topics_.count(name)) return;
  new_topic_unasked_ = true;
  request_refresh();
}

asio::awaitable<std::error_code> MetadataCache::wait_for_topic(std::string topic, std::chrono::milliseconds timeout) {
  auto self = shared_from_this();
  const auto deadline = Clock::now() + timeout;
  add_topic(topic);
  for (;;) {
    if (stopped_) co_return make_error_code(net::net_errc::shutting_down);
    auto it = topics_.find(topic);
    if (it != topics_.end() && !it->second.partitions.empty()) co_return std::error_code{};
    // A refused password or an untrusted certificate fails every attempt the
    // same way: waiting longer only hides the reason.
    if (is_security_failure(last_failure_)) co_return last_failure_;
    if (Clock::now() >= deadline) {
      if (it != topics_.end() && it->second.error_code != 0) co_return protocol::kafka_error(it->second.error_code);
      co_return make_error_code(net::net_errc::request_timed_out);
    }
    request_refresh();
    auto timer = std::make_shared<asio::steady_timer>(pool_->executor(), deadline);
    waiters_.push_back(timer);
    std::error_code ignored;
    co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
}

const TopicMetadata* MetadataCache::topic(std::string_view name) const {
  auto it = topics_.find(name);
  return it == topics_.end() ? nullptr : &it->second;
}

std::optional<PartitionMetadata> MetadataCache::partition(std::string_view name, std::int32_t partition) const {
  const auto* t = topic(name);
  if (!t || partition < 0 || static_cast<std::size_t>(partition) >= t->partitions.size()) return std::nullopt;
  return t->partitions[static_cast<std::size_t>(partition)];
}

std::optional<std::int32_t> MetadataCache::leader(std::string_view name, std::int32_t partition) const {
  auto p = this->partition(name, partition);
  if (!p || p->leader < 0) return std::nullopt;
  return p->leader;
}

std::optional<std::int32_t> MetadataCache::partition_count(std::string_view name) const {
  const auto* t = topic(name);
  if (!t || t->partitions.empty()) return std::nullopt;
  return static_cast<std::int32_t>(t->partitions.size());
}

asio::awaitable<net::ConnectionResult> MetadataCache::broker_connection(std::int32_t broker_id) {
  auto self = shared_from_this();
  co_return co_await pool_->connection(broker_id);
}

asio::awaitable<net::ConnectionResult> MetadataCache::leader_connection(std::string topic, std::int32_t partition) {
  auto self = shared_from_this();
  auto leader_id = leader(topic, partition);
  if (!leader_id) {
    request_refresh();
    co_return net::ConnectionResult{topics_.count(topic) ? make_error_code(kafka_errc::leader_not_available)
                                                         : make_error_code(kafka_errc::unknown_topic_or_partition),
                                    nullptr};
  }
  co_return co_await pool_->connection(*leader_id);
}

void MetadataCache::log(net::LogLevel level, const std::string& message) const { pool_->config().log(level, message); }

}  // namespace kwire::detail
