// The Consumer's insides (see consumer_impl.hpp).
#include "consumer/consumer_impl.hpp"

#include <asio/co_spawn.hpp>
#include <asio/post.hpp>

#include <algorithm>
#include <future>
#include <system_error>

#include "cluster/metadata_cache.hpp"
#include "config/connection_settings.hpp"
#include "config/net_security.hpp"
#include "kwire/net/connection_pool.hpp"
#include "kwire/net/errors.hpp"
#include "kwire/protocol/errors.hpp"

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

// The assignors of partition.assignment.strategy this consumer runs as a
// group leader, in the configured order.
std::vector<std::string> runnable_assignors(const ConsumerConfig& c) {
  std::vector<std::string> out;
  for (const std::string& name : c.partition_assignment_strategy)
    if (name == "range" || name == "roundrobin" || name == "cooperative-sticky") out.push_back(name);
  return out;
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

}  // namespace

ConsumerImpl::ConsumerImpl(ConsumerConfig config)
    : config_(checked(std::move(config))),
      queue_(std::make_shared<FetchQueue>()),
      memory_(std::make_shared<FetchMemory>(config_.fetch_buffer_bytes)),
      work_(asio::make_work_guard(io_)),
      polls_(std::make_shared<PollTimer>()),
      drain_(config_.check_crcs, config_.isolation_level == IsolationLevel::read_committed),
      auto_commit_(config_.group_id && config_.enable_auto_commit),
      next_auto_commit_(Clock::now() + config_.auto_commit_interval) {
  auto pool = net::ConnectionPool::create(io_.get_executor(), connection_settings(config_));
  pool_ = pool;
  report_security_failures(*pool, queue_);
  auto cache = MetadataCache::create(pool);
  cache_ = cache;
  if (config_.group_id) offsets_ = std::make_shared<GroupOffsets>(pool, *config_.group_id, config_.retry_backoff);
  fetcher_ = std::make_shared<Fetcher>(io_.get_executor(), pool, cache, fetcher_options(config_), queue_, memory_,
                                       offsets_);
  if (offsets_)
    membership_ =
        std::make_shared<GroupMembership>(io_.get_executor(), cache, offsets_, membership_options(config_), queue_,
                                          polls_);
  member_.instance_id = config_.group_instance_id;
  std::weak_ptr<Fetcher> weak = fetcher_;
  memory_->set_on_below_limit([this, weak] {
    asio::post(io_, [weak] {
      if (auto f = weak.lock()) f->wake();
    });
  });
  shutdown_network_ = [fetcher = fetcher_, membership = membership_, cache, pool] {
    if (membership) membership->stop();
    fetcher->stop();
    cache->stop();
    pool->shutdown();
  };
  asio::post(io_, [cache, fetcher = fetcher_] {
    cache->start();
    fetcher->start();
  });
  records_.records_.reserve(static_cast<std::size_t>(config_.max_poll_records));
  io_thread_ = std::thread([this] { io_.run(); });
}

ConsumerImpl::~ConsumerImpl() {
  if (poll_thread_.joinable()) {
    // A poll waiting on the polling thread ends now; queued ones fail.
    destroying_ = true;
    queue_->wake();
    poll_work_.reset();
    poll_thread_.join();
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
  // Asynchronous commits still unanswered get until default.api.timeout.ms.
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
  asio::post(io_, [&] {
    shutdown_network_();
    done.set_value();
  });
  done.get_future().wait();
  work_.reset();
  io_.stop();
  io_thread_.join();
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

StartPosition ConsumerImpl::reset_start() const {
  switch (config_.auto_offset_reset) {
    case OffsetReset::earliest: return {StartPosition::Kind::earliest, -1};
    case OffsetReset::latest: return {StartPosition::Kind::latest, -1};
    case OffsetReset::none: break;
  }
  return {StartPosition::Kind::none, -1};
}

void ConsumerImpl::assign(std::vector<TopicPartition> partitions) {
  if (closed_) return;
  if (subscribed_ && !partitions.empty()) throw std::system_error(make_error_code(consumer_errc::assignment_conflict));
  set_assignment(partitions);
}

void ConsumerImpl::set_assignment(const std::vector<TopicPartition>& partitions) {
  std::map<PartitionKey, Owned> next;
  std::vector<Fetcher::Assigned> for_fetcher;
  for (const TopicPartition& tp : partitions) {
    PartitionKey key{intern(tp.topic), tp.partition};
    if (next.count(key)) continue;
    auto old = owned_.find(key);
    Owned o = old != owned_.end() ? old->second : Owned{next_generation_++, -1};
    StartPosition start = o.position >= 0 ? StartPosition{StartPosition::Kind::offset, o.position, o.position_epoch}
                          : offsets_     ? StartPosition{StartPosition::Kind::committed, -1}
                                         : reset_start();
    next.emplace(key, o);
    for_fetcher.push_back({key, o.generation, start});
  }
  if (drain_.active() && !next.count(drain_.current().partition)) held_.push_back(drain_.finish());
  owned_ = std::move(next);
  asio::post(io_, [f = fetcher_, for_fetcher = std::move(for_fetcher)] { f->assign(for_fetcher); });
}

std::error_code ConsumerImpl::can_subscribe() const {
  if (closed_) return consumer_errc::consumer_closed;
  if (!membership_) return consumer_errc::no_group_id;
  if (!subscribed_ && !owned_.empty()) return consumer_errc::assignment_conflict;
  if (runnable_assignors(config_).empty()) return consumer_errc::unsupported_assignor;
  return {};
}

void ConsumerImpl::stop_pattern_watcher() {
  matched_.reset();
  if (!pattern_watcher_) return;
  asio::post(io_, [w = std::move(pattern_watcher_)] { w->stop(); });
  pattern_watcher_.reset();
}

std::vector<std::string> ConsumerImpl::subscription() const {
  return matched_ ? matched_->get() : subscription_;
}

std::error_code ConsumerImpl::subscribe(std::regex pattern, RebalanceListener listener) {
  if (std::error_code ec = can_subscribe()) return ec;
  stop_pattern_watcher();
  subscribed_ = true;
  subscription_.clear();
  listener_ = std::move(listener);
  std::weak_ptr<GroupMembership> weak = membership_;
  matched_ = std::make_shared<MatchedTopics>();
  pattern_watcher_ = std::make_shared<TopicPatternWatcher>(
      io_.get_executor(), pool_, std::move(pattern), config_.metadata_max_age, config_.retry_backoff,
      [weak, matched = matched_](std::vector<std::string> topics) {
        // Before the membership rejoins with them: the revoke that follows
        // must see what is still subscribed.
        matched->set(topics);
        if (auto m = weak.lock()) m->subscribe(std::move(topics));
      });
  asio::post(io_, [w = pattern_watcher_] { w->start(); });
  return {};
}

std::error_code ConsumerImpl::subscribe(std::vector<std::string> topics, RebalanceListener listener) {
  if (std::error_code ec = can_subscribe()) return ec;
  stop_pattern_watcher();
  if (topics.empty()) {
    unsubscribe();
    return {};
  }
  subscribed_ = true;
  subscription_ = topics;
  listener_ = std::move(listener);
  asio::post(io_, [m = membership_, topics = std::move(topics)]() mutable { m->subscribe(std::move(topics)); });
  return {};
}

void ConsumerImpl::unsubscribe() {
  if (closed_ || !subscribed_) return;
  if (auto_commit_) {
    CommitOffsets at = positions();
    if (!at.empty()) commit(at, config_.default_api_timeout);
  }
  leave_group();
}

void ConsumerImpl::leave_group() {
  stop_pattern_watcher();  // before LeaveGroup: it must not rejoin
  if (!owned_.empty() && listener_.on_revoked) listener_.on_revoked(assignment());
  set_assignment({});
  subscribed_ = false;
  subscription_.clear();
  listener_ = {};
  member_ = GroupMember{-1, {}, config_.group_instance_id};
  // Changes the membership pushed before it left are stale now.
  std::erase_if(pending_, [](const FetchEvent& e) { return e.kind == FetchEvent::Kind::group; });
  const Clock::time_point deadline = Clock::now() + config_.default_api_timeout;
  run_on_io(
      [m = membership_, deadline]() -> asio::awaitable<std::error_code> { co_return co_await m->leave(deadline); },
      config_.default_api_timeout);
}

bool ConsumerImpl::is_stale_generation(std::error_code ec) {
  using protocol::kafka_errc;
  return ec == kafka_errc::illegal_generation || ec == kafka_errc::unknown_member_id ||
         ec == kafka_errc::fenced_instance_id;
}

void ConsumerImpl::apply(const GroupChange& change) {
  switch (change.kind) {
    case GroupChange::Kind::assigned:
      member_ = change.member;
      if (change.cooperative) {
        apply_incremental(change.partitions);
        return;
      }
      set_assignment(change.partitions);
      if (listener_.on_assigned) listener_.on_assigned(change.partitions);
      return;
    case GroupChange::Kind::revoke: {
      if (change.cooperative) {
        // KIP-429: keep reading what is still subscribed; the coordinator
        // takes partitions away only through a later assignment.
        std::vector<TopicPartition> keep, drop;
        const std::vector<std::string> subscribed = subscription();
        for (const TopicPartition& tp : assignment())
          (std::count(subscribed.begin(), subscribed.end(), tp.topic) ? keep : drop).push_back(tp);
        if (!drop.empty()) revoke_some(drop, keep);
        asio::post(io_, [m = membership_, keep = std::move(keep), generation = member_.generation]() mutable {
          m->rejoin(std::move(keep), generation);
        });
        return;
      }
      const std::vector<TopicPartition> given_up = assignment();
      std::error_code ec;
      if (auto_commit_) {
        CommitOffsets at = positions();
        if (!at.empty()) ec = commit(at, config_.default_api_timeout);
      }
      // A commit refused as stale means the generation was already over: lost, not revoked.
      auto& callback = is_stale_generation(ec) ? listener_.on_lost : listener_.on_revoked;
      if (!given_up.empty() && callback) callback(given_up);
      set_assignment({});
      break;
    }
    case GroupChange::Kind::lost: {
      const std::vector<TopicPartition> lost = assignment();
      set_assignment({});
      if (!lost.empty() && listener_.on_lost) listener_.on_lost(lost);
      break;
    }
    case GroupChange::Kind::failed: {
      // Taken away with no chance to commit (a fenced static member's are another's now).
      const std::vector<TopicPartition> lost = assignment();
      set_assignment({});
      if (!lost.empty() && listener_.on_lost) listener_.on_lost(lost);
      records_.error_ = change.error;
      records_.error_detail_ = change.detail;
      return;
    }
  }
  member_ = GroupMember{-1, {}, config_.group_instance_id};
  asio::post(io_, [m = membership_] { m->rejoin({}, -1); });
}

void ConsumerImpl::revoke_some(const std::vector<TopicPartition>& revoked, const std::vector<TopicPartition>& rest) {
  if (auto_commit_) {
    CommitOffsets at = positions();
    std::erase_if(at, [&](const auto& entry) {
      return std::find(revoked.begin(), revoked.end(), entry.first) == revoked.end();
    });
    if (!at.empty()) commit(at, config_.default_api_timeout);
  }
  if (listener_.on_revoked) listener_.on_revoked(revoked);
  set_assignment(rest);
}

void ConsumerImpl::apply_incremental(const std::vector<TopicPartition>& target) {
  std::vector<TopicPartition> now = assignment(), wanted = target, revoked, added, kept;
  std::sort(now.begin(), now.end());
  std::sort(wanted.begin(), wanted.end());
  std::set_difference(now.begin(), now.end(), wanted.begin(), wanted.end(), std::back_inserter(revoked));
  std::set_difference(wanted.begin(), wanted.end(), now.begin(), now.end(), std::back_inserter(added));
  std::set_intersection(now.begin(), now.end(), wanted.begin(), wanted.end(), std::back_inserter(kept));
  // The partitions kept are not touched: same position, no callback.
  if (!revoked.empty()) revoke_some(revoked, kept);
  set_assignment(wanted);
  if (listener_.on_assigned) listener_.on_assigned(added);
  // What was given up goes to its new owner in a second round.
  if (!revoked.empty())
    asio::post(io_, [m = membership_, wanted = std::move(wanted), generation = member_.generation]() mutable {
      m->rejoin(std::move(wanted), generation);
    });
}

std::vector<TopicPartition> ConsumerImpl::assignment() const {
  std::vector<TopicPartition> out;
  for (const auto& [key, o] : owned_) out.push_back({*key.topic, key.partition});
  return out;
}

void ConsumerImpl::drop_current_of(const PartitionKey& key) {
  if (drain_.active() && drain_.current().partition == key) held_.push_back(drain_.finish());
}

std::error_code ConsumerImpl::seek(const TopicPartition& tp, StartPosition start) {
  if (closed_) return consumer_errc::consumer_closed;
  PartitionKey key;
  Owned* o = owned(tp, key);
  if (!o) return consumer_errc::partition_not_assigned;
  o->generation = next_generation_++;
  o->position = start.kind == StartPosition::Kind::offset ? start.offset : -1;
  o->position_epoch = start.kind == StartPosition::Kind::offset ? start.epoch : -1;
  drop_current_of(key);
  Fetcher::Assigned a{key, o->generation, start};
  asio::post(io_, [f = fetcher_, a] { f->seek(a); });
  return {};
}

std::error_code ConsumerImpl::position(const TopicPartition& tp, std::int64_t& offset,
                                       std::chrono::milliseconds timeout) {
  if (closed_) return consumer_errc::consumer_closed;
  PartitionKey key;
  Owned* o = owned(tp, key);
  if (!o) return consumer_errc::partition_not_assigned;
  const Clock::time_point deadline = Clock::now() + timeout;
  for (;;) {
    // Positions found by lookups apply now; data stays queued for poll().
    for (auto it = pending_.begin(); it != pending_.end() && o->position < 0;) {
      if (it->kind == FetchEvent::Kind::client_error) {  // a lookup cannot get through either
        const std::error_code ec = it->error;
        pending_.erase(it);
        return ec;
      }
      if (it->partition == key && it->generation == o->generation) {
        if (it->kind == FetchEvent::Kind::position) {
          o->position = it->fetch_offset;
          o->position_epoch = it->leader_epoch;
          it = pending_.erase(it);
          continue;
        }
        if (it->kind == FetchEvent::Kind::error) return it->error;
      }
      ++it;
    }
    if (o->position >= 0) {
      offset = o->position;
      return {};
    }
    if (closed_ || !queue_->take(pending_, deadline)) return consumer_errc::consumer_timeout;
  }
}

std::error_code ConsumerImpl::run_on_io(std::function<asio::awaitable<std::error_code>()> op,
                                        std::chrono::milliseconds timeout) {
  if (closed_) return consumer_errc::consumer_closed;
  auto done = std::make_shared<std::promise<std::error_code>>();
  auto result = done->get_future();
  asio::co_spawn(io_, std::move(op), [done](std::exception_ptr failure, std::error_code ec) {
    done->set_value(failure ? make_error_code(consumer_errc::consumer_closed) : ec);
  });
  if (result.wait_for(timeout + std::chrono::seconds(2)) != std::future_status::ready)
    return consumer_errc::consumer_timeout;
  return result.get();
}

std::error_code ConsumerImpl::partitions_for(const std::string& topic, std::vector<std::int32_t>& partitions,
                                             std::chrono::milliseconds timeout) {
  auto found = std::make_shared<std::vector<std::int32_t>>();
  std::error_code ec = run_on_io(
      [cache = cache_, topic, timeout, found]() -> asio::awaitable<std::error_code> {
        std::error_code ec = co_await cache->wait_for_topic(topic, timeout);
        if (ec == net::net_errc::request_timed_out) co_return make_error_code(consumer_errc::consumer_timeout);
        if (ec) co_return ec;
        if (const TopicMetadata* t = cache->topic(topic))
          for (const PartitionMetadata& p : t->partitions) found->push_back(p.partition);
        co_return std::error_code{};
      },
      timeout);
  if (!ec) partitions = *found;
  return ec;
}

std::error_code ConsumerImpl::list_offsets(std::span<const TopicPartition> partitions, std::int64_t timestamp,
                                           std::vector<std::int64_t>& offsets, std::chrono::milliseconds timeout) {
  const std::vector<std::int64_t> times(partitions.size(), timestamp);
  std::vector<OffsetAnswer> answers;
  if (std::error_code ec = lookup_offsets(partitions, times, answers, timeout)) return ec;
  offsets.clear();
  for (const OffsetAnswer& a : answers) offsets.push_back(a.offset);
  return {};
}

std::error_code ConsumerImpl::lookup_offsets(std::span<const TopicPartition> partitions,
                                             std::span<const std::int64_t> timestamps,
                                             std::vector<OffsetAnswer>& answers, std::chrono::milliseconds timeout) {
  std::vector<OffsetQuery> queries;
  for (std::size_t i = 0; i < partitions.size(); ++i)
    queries.push_back({intern(partitions[i].topic), partitions[i].partition, timestamps[i]});
  auto found = std::make_shared<std::vector<OffsetAnswer>>();
  const Clock::time_point deadline = Clock::now() + timeout;
  std::error_code ec = run_on_io(
      [cache = cache_, queries, found, deadline, isolation = config_.isolation_level,
       backoff = config_.retry_backoff]() -> asio::awaitable<std::error_code> {
        co_return co_await detail::lookup_offsets(*cache, queries, isolation, backoff, deadline, *found);
      },
      timeout);
  if (ec) return ec;
  answers = std::move(*found);
  return {};
}

void ConsumerImpl::report(const PartitionKey& key, std::error_code ec, std::string detail) {
  records_.error_ = ec;
  records_.error_detail_ = std::move(detail);
  records_.error_partition_ = TopicPartition{*key.topic, key.partition};
}

void ConsumerImpl::fill() {
  const auto limit = static_cast<std::size_t>(config_.max_poll_records);
  auto& out = records_.records_;
  while (out.size() < limit && !records_.error_) {
    if (drain_.active()) {
      const PartitionKey key = drain_.current().partition;
      Owned& o = owned_.at(key);
      const std::size_t before = out.size();
      std::error_code ec = drain_.drain(out, limit, o.position);
      if (out.size() > before) o.position_epoch = out.back().leader_epoch;
      if (ec) {
        report(key, ec,
               "corrupt records in " + *key.topic + " [" + std::to_string(key.partition) + "] at offset " +
                   std::to_string(o.position) + ": " + ec.message());
        held_.push_back(drain_.finish());
        // Fetch again from the bad record: the error repeats until a seek past it.
        seek(TopicPartition{*key.topic, key.partition}, {StartPosition::Kind::offset, o.position, o.position_epoch});
        break;
      }
      if (drain_.active()) break;  // max.poll.records reached inside this data
      held_.push_back(drain_.finish());
      continue;
    }
    if (pending_.empty()) break;
    // A group change waits for the next poll once records are taken: they
    // belong to the assignment before it.
    if (pending_.front().kind == FetchEvent::Kind::group && !out.empty()) break;
    FetchEvent e = std::move(pending_.front());
    pending_.pop_front();
    if (e.kind == FetchEvent::Kind::commit_done) {
      commit_finished(e);
      continue;
    }
    if (e.kind == FetchEvent::Kind::group) {
      if (subscribed_) apply(*e.group);
      continue;
    }
    if (e.kind == FetchEvent::Kind::client_error) {
      records_.error_ = e.error;
      records_.error_detail_ = std::move(e.detail);
      continue;  // ends the loop: one error per poll
    }
    auto it = owned_.find(e.partition);
    if (it == owned_.end() || it->second.generation != e.generation) continue;
    Owned& o = it->second;
    switch (e.kind) {
      case FetchEvent::Kind::position:
        o.position = e.fetch_offset;
        o.position_epoch = e.leader_epoch;
        break;
      case FetchEvent::Kind::error: report(e.partition, e.error, std::move(e.detail)); break;
      case FetchEvent::Kind::records:
        if (o.position == e.fetch_offset && !o.paused) drain_.start(std::move(e));
        break;
      case FetchEvent::Kind::commit_done:
      case FetchEvent::Kind::group:
      case FetchEvent::Kind::client_error: break;
    }
  }
}

const ConsumerRecords& ConsumerImpl::poll(std::chrono::milliseconds timeout) {
  records_.records_.clear();
  records_.error_ = {};
  records_.error_detail_.clear();
  records_.error_partition_.reset();
  held_.clear();  // the last poll's records are released
  drain_.new_poll();
  if (closed_) {
    records_.error_ = consumer_errc::consumer_closed;
    return records_;
  }
  // A listener or commit callback that throws still ends this poll for the poll timer.
  struct Polling {
    PollTimer& timer;
    explicit Polling(PollTimer& t) : timer(t) { timer.entered(); }
    ~Polling() { timer.left(); }
  } polling(*polls_);
  auto_commit_if_due();
  const Clock::time_point deadline = Clock::now() + timeout;
  queue_->take(pending_, Clock::now());
  for (;;) {
    fill();
    if (!records_.records_.empty() || records_.error_ || destroying_ || !queue_->take(pending_, deadline)) break;
  }
  run_commit_callbacks();
  return records_;
}

void ConsumerImpl::start_poll(std::chrono::milliseconds timeout,
                              std::function<void(std::error_code, const ConsumerRecords&)> done) {
  if (!poll_thread_.joinable()) {
    poll_io_ = std::make_unique<asio::io_context>();
    poll_work_.emplace(asio::make_work_guard(*poll_io_));
    poll_thread_ = std::thread([io = poll_io_.get()] { io->run(); });
  }
  asio::post(*poll_io_, [this, timeout, done = std::move(done)] {
    if (destroying_) {
      records_.records_.clear();
      records_.error_ = consumer_errc::consumer_closed;
      done(records_.error_, records_);
      return;
    }
    const ConsumerRecords& records = poll(timeout);
    done(records.error() == consumer_errc::consumer_closed ? records.error() : std::error_code{}, records);
  });
}

CommitOffsets ConsumerImpl::positions() const {
  CommitOffsets out;
  // With the epoch of the record before the position (Java's rule), so a
  // consumer that starts from the commit can check the log was not truncated
  // below it (KIP-320).
  for (const auto& [key, o] : owned_)
    if (o.position >= 0) {
      OffsetAndMetadata& at = out[TopicPartition{*key.topic, key.partition}];
      at.offset = o.position;
      at.leader_epoch = o.position_epoch;
    }
  return out;
}

std::vector<OffsetEntry> ConsumerImpl::entries_of(const CommitOffsets& offsets) {
  std::vector<OffsetEntry> entries;
  entries.reserve(offsets.size());
  for (const auto& [tp, om] : offsets)  // ordered by topic: one request topic per topic
    entries.push_back({intern(tp.topic), tp.partition, om.offset, om.leader_epoch, om.metadata, {}});
  return entries;
}

std::error_code ConsumerImpl::commit(const CommitOffsets& offsets, std::chrono::milliseconds timeout) {
  if (closed_) return consumer_errc::consumer_closed;
  if (!offsets_) return consumer_errc::no_group_id;
  if (offsets.empty()) return {};
  for (const auto& [tp, om] : offsets)
    if (om.offset < 0) return consumer_errc::invalid_offset;
  auto entries = std::make_shared<std::vector<OffsetEntry>>(entries_of(offsets));
  const Clock::time_point deadline = Clock::now() + timeout;
  return run_on_io(
      [group = offsets_, membership = membership_, member = member_, entries,
       deadline]() -> asio::awaitable<std::error_code> {
        std::error_code ec = co_await group->commit(*entries, member, deadline);
        if (membership && is_stale_generation(ec)) membership->fenced(member.generation, ec);
        co_return ec;
      },
      timeout);
}

void ConsumerImpl::commit_async(CommitOffsets offsets, CommitCallback callback) {
  std::error_code refused = closed_ ? make_error_code(consumer_errc::consumer_closed)
                            : !offsets_ ? make_error_code(consumer_errc::no_group_id)
                                        : std::error_code{};
  for (const auto& [tp, om] : offsets)
    if (!refused && om.offset < 0) refused = consumer_errc::invalid_offset;
  if (refused || offsets.empty()) {
    finished_commits_.emplace_back(PendingCommit{std::move(offsets), std::move(callback)}, refused);
    return;
  }
  const std::uint64_t id = next_commit_++;
  auto entries = std::make_shared<std::vector<OffsetEntry>>(entries_of(offsets));
  async_commits_.emplace(id, PendingCommit{std::move(offsets), std::move(callback)});
  const Clock::time_point deadline = Clock::now() + config_.default_api_timeout;
  asio::co_spawn(
      io_,
      [group = offsets_, membership = membership_, member = member_, entries,
       deadline]() -> asio::awaitable<std::error_code> {
        std::error_code ec = co_await group->commit(*entries, member, deadline);
        if (membership && is_stale_generation(ec)) membership->fenced(member.generation, ec);
        co_return ec;
      },
      [queue = queue_, id](std::exception_ptr failure, std::error_code ec) {
        FetchEvent e;
        e.kind = FetchEvent::Kind::commit_done;
        e.generation = id;
        e.error = failure ? make_error_code(consumer_errc::consumer_closed) : ec;
        queue->push(std::move(e));
      });
}

void ConsumerImpl::commit_finished(const FetchEvent& e) {
  auto it = async_commits_.find(e.generation);
  if (it == async_commits_.end()) return;
  finished_commits_.emplace_back(std::move(it->second), e.error);
  async_commits_.erase(it);
}

void ConsumerImpl::run_commit_callbacks() {
  // Moved out first: a callback may commit again.
  auto finished = std::move(finished_commits_);
  finished_commits_.clear();
  for (auto& [commit, ec] : finished)
    if (commit.callback) commit.callback(ec, commit.offsets);
}

void ConsumerImpl::auto_commit_if_due() {
  if (!auto_commit_ || Clock::now() < next_auto_commit_) return;
  next_auto_commit_ = Clock::now() + config_.auto_commit_interval;
  CommitOffsets at = positions();
  if (!at.empty()) commit_async(std::move(at), {});
}

std::error_code ConsumerImpl::committed(std::span<const TopicPartition> partitions, CommitOffsets& out,
                                        std::chrono::milliseconds timeout) {
  if (closed_) return consumer_errc::consumer_closed;
  if (!offsets_) return consumer_errc::no_group_id;
  auto entries = std::make_shared<std::vector<OffsetEntry>>();
  std::vector<TopicPartition> sorted(partitions.begin(), partitions.end());
  std::sort(sorted.begin(), sorted.end());
  for (const TopicPartition& tp : sorted) {
    OffsetEntry& e = entries->emplace_back();
    e.topic = intern(tp.topic);
    e.partition = tp.partition;
  }
  const Clock::time_point deadline = Clock::now() + timeout;
  std::error_code ec = run_on_io(
      [group = offsets_, entries, deadline,
       stable = config_.isolation_level == IsolationLevel::read_committed]() -> asio::awaitable<std::error_code> {
        co_return co_await group->fetch(*entries, stable, deadline);
      },
      timeout);
  if (ec) return ec;
  out.clear();
  for (const OffsetEntry& e : *entries) {
    if (e.error) return e.error;
    if (e.offset >= 0) out[TopicPartition{*e.topic, e.partition}] = {e.offset, e.metadata, e.leader_epoch};
  }
  return {};
}

std::error_code ConsumerImpl::pause(std::span<const TopicPartition> partitions, bool paused) {
  if (closed_) return consumer_errc::consumer_closed;
  for (const TopicPartition& tp : partitions) {
    PartitionKey key;
    if (!owned(tp, key)) return consumer_errc::partition_not_assigned;
  }
  for (const TopicPartition& tp : partitions) {
    PartitionKey key;
    Owned* o = owned(tp, key);
    if (o->paused == paused) continue;
    o->paused = paused;
    asio::post(io_, [f = fetcher_, key, paused] { f->pause(key, paused); });
    if (paused) {
      drop_current_of(key);
    } else if (o->position >= 0) {
      // What was fetched while paused was dropped: fetch again from the position.
      seek(tp, {StartPosition::Kind::offset, o->position, o->position_epoch});
    }
  }
  return {};
}

std::vector<TopicPartition> ConsumerImpl::paused() const {
  std::vector<TopicPartition> out;
  for (const auto& [key, o] : owned_)
    if (o.paused) out.push_back({*key.topic, key.partition});
  return out;
}

}  // namespace kwire::detail
