// The Consumer's insides (see consumer_impl.hpp): construction, close, and
// what the other consumer_*.cpp files share (interned topics, the owned
// partitions, waiting on the io thread).
#include "consumer/consumer_impl.hpp"

#include <asio/co_spawn.hpp>
#include <asio/post.hpp>

#include <future>
#include <system_error>

#include "cluster/metadata_cache.hpp"
#include "config/connection_settings.hpp"
#include "config/net_security.hpp"
#include "consumer/runnable_assignors.hpp"
#include "kwire/net/connection_pool.hpp"

namespace kwire::detail {
namespace {

FetcherOptions fetcher_options(const ConsumerConfig& c) {
  FetcherOptions o;
  o.isolation = c.isolation_level;
  o.reset = c.auto_offset_reset;
  o.min_bytes = c.fetch_min_bytes;
  o.max_wait = c.fetch_max_wait;
  o.max_bytes = c.fetch_max_bytes;
  o.partition_max_bytes = c.max_partition_fetch_bytes;
  o.retry_backoff = c.retry_backoff;
  o.request_timeout = c.request_timeout;
  o.rack = c.client_rack;
  return o;
}

MembershipOptions membership_options(const ConsumerConfig& c) {
  MembershipOptions o;
  o.group_id = c.group_id.value_or("");
  o.instance_id = c.group_instance_id;
  o.session_timeout = c.session_timeout;
  o.rebalance_timeout = c.max_poll_interval;
  o.heartbeat_interval = c.heartbeat_interval;
  o.retry_backoff = c.retry_backoff;
  o.request_timeout = c.request_timeout;
  o.assignors = runnable_assignors(c);
  o.rack = c.client_rack;
  return o;
}

ConsumerConfig checked(ConsumerConfig config) {
  std::string why;
  if (std::error_code ec = config.validate(why)) throw ConfigError(ec, why);
  return config;
}

// A connection refused for a security reason (a wrong password, an
// untrusted certificate) fails the same way on every attempt: poll() reports
// each one (librdkafka's consumer does too), instead of waiting in silence.
// The pool calls this on the io thread; the queue wakes a waiting poll.
void report_security_failures(net::ConnectionPool& pool, const std::shared_ptr<FetchQueue>& queue) {
  pool.set_failure_handler([weak = std::weak_ptr<FetchQueue>(queue)](std::int32_t id, const std::string& host,
                                                                    std::uint16_t port, std::error_code ec, bool) {
    auto q = weak.lock();
    if (!q || !is_security_failure(ec)) return;
    FetchEvent e;
    e.kind = FetchEvent::Kind::client_error;
    e.error = ec;
    e.detail = describe_broker(id, host, port) + ": " + ec.message();
    q->push(std::move(e));
  });
}

// The network side's end, on the io thread: the group membership stops, the
// fetcher closes its fetch sessions (until `deadline`), then the metadata
// cache and the connections.
asio::awaitable<void> shut_down_network(std::shared_ptr<GroupMembership> membership, std::shared_ptr<Fetcher> fetcher,
                                        std::shared_ptr<MetadataCache> cache, std::shared_ptr<net::ConnectionPool> pool,
                                        ConsumerImpl::Clock::time_point deadline) {
  if (membership) membership->stop();
  co_await fetcher->stop(deadline);
  cache->stop();
  pool->shutdown();
}

}  // namespace

ConsumerImpl::ConsumerImpl(ConsumerConfig config)
    : config_(checked(std::move(config))),
      queue_(std::make_shared<FetchQueue>()),
      memory_(std::make_shared<FetchMemory>(config_.fetch_buffer_bytes)),
      polls_(std::make_shared<PollTimer>()),
      drain_(config_.check_crcs, config_.isolation_level == IsolationLevel::read_committed),
      auto_commit_(config_.group_id && config_.enable_auto_commit),
      next_auto_commit_(Clock::now() + config_.auto_commit_interval) {
  auto pool = net::ConnectionPool::create(io_thread_.executor(), connection_settings(config_));
  pool_ = pool;
  report_security_failures(*pool, queue_);
  auto cache = MetadataCache::create(pool);
  cache_ = cache;
  if (config_.group_id) offsets_ = std::make_shared<GroupOffsets>(pool, *config_.group_id, config_.retry_backoff);
  fetcher_ = std::make_shared<Fetcher>(io_thread_.executor(), pool, cache, fetcher_options(config_), queue_, memory_,
                                       offsets_);
  if (offsets_)
    membership_ =
        std::make_shared<GroupMembership>(io_thread_.executor(), cache, offsets_, membership_options(config_), queue_,
                                          polls_);
  member_.instance_id = config_.group_instance_id;
  std::weak_ptr<Fetcher> weak = fetcher_;
  memory_->set_on_below_limit([this, weak] {
    asio::post(io(), [weak] {
      if (auto f = weak.lock()) f->wake();
    });
  });
  shutdown_network_ = [fetcher = fetcher_, membership = membership_, cache, pool](Clock::time_point deadline) {
    return shut_down_network(membership, fetcher, cache, pool, deadline);
  };
  asio::post(io(), [cache, fetcher = fetcher_] {
    cache->start();
    fetcher->start();
  });
  records_.records_.reserve(static_cast<std::size_t>(config_.max_poll_records));
  io_thread_.start();
}

ConsumerImpl::~ConsumerImpl() {
  { std::lock_guard posted(start_poll_mu_); }  // an async_poll's post has returned
  if (poll_thread_) {
    // A poll waiting on the polling thread ends now; queued ones fail.
    destroying_ = true;
    queue_->wake();
    poll_thread_->stop();
  }
  close();
  // Frames released from here on must not wake a fetcher that is gone.
  memory_->set_on_below_limit({});
}

void ConsumerImpl::close() {
  if (closed_) return;
  if (auto_commit_) {
    CommitOffsets at = positions();
    if (!at.empty()) commit(at, config_.default_api_timeout);
  }
  if (subscribed_) leave_group();
  // Asynchronous commits still unanswered, then the closes of the fetch
  // sessions, get until default.api.timeout.ms.
  const Clock::time_point deadline = Clock::now() + config_.default_api_timeout;
  while (!async_commits_.empty()) {
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (it->kind != FetchEvent::Kind::commit_done) {
        ++it;
        continue;
      }
      commit_finished(*it);
      it = pending_.erase(it);
    }
    if (async_commits_.empty() || !queue_->take(pending_, deadline)) break;
  }
  for (auto& [id, pending] : async_commits_)
    finished_commits_.emplace_back(std::move(pending), make_error_code(consumer_errc::consumer_closed));
  async_commits_.clear();
  run_commit_callbacks();
  closed_ = true;
  std::promise<void> done;
  asio::co_spawn(io(), shutdown_network_(deadline), [&done](std::exception_ptr) { done.set_value(); });
  done.get_future().wait();
  io_thread_.halt();
  memory_->set_on_below_limit({});
  queue_->wake();
}

const std::string* ConsumerImpl::intern(std::string_view topic) {
  auto it = topics_.find(topic);
  if (it == topics_.end()) it = topics_.emplace(topic).first;
  return &*it;
}

ConsumerImpl::Owned* ConsumerImpl::owned(const TopicPartition& tp, PartitionKey& key) {
  auto t = topics_.find(tp.topic);
  if (t == topics_.end()) return nullptr;
  key = PartitionKey{&*t, tp.partition};
  auto it = owned_.find(key);
  return it == owned_.end() ? nullptr : &it->second;
}

std::error_code ConsumerImpl::run_on_io(std::function<asio::awaitable<std::error_code>()> op,
                                        std::chrono::milliseconds timeout) {
  if (closed_) return consumer_errc::consumer_closed;
  auto done = std::make_shared<std::promise<std::error_code>>();
  auto result = done->get_future();
  asio::co_spawn(io(), std::move(op), [done](std::exception_ptr failure, std::error_code ec) {
    done->set_value(failure ? make_error_code(consumer_errc::consumer_closed) : ec);
  });
  if (result.wait_for(timeout + std::chrono::seconds(2)) != std::future_status::ready)
    return consumer_errc::consumer_timeout;
  return result.get();
}

}  // namespace kwire::detail
