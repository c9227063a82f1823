// The consumer's fetch loop (see fetcher.hpp).
#include "consumer/fetcher.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <string_view>
#include <utility>

#include "consumer/fetch_answer.hpp"
#include "consumer/offset_lookup.hpp"
#include "consumer/request_topics.hpp"
#include "kwire/consumer_errors.hpp"
#include "kwire/errors.hpp"
#include "kwire/net/errors.hpp"
#include "kwire/protocol/errors.hpp"
#include "kwire/protocol/messages/fetch_request.hpp"
#include "kwire/protocol/messages/fetch_response.hpp"
#include "kwire/protocol/messages/offset_for_leader_epoch_request.hpp"
#include "kwire/protocol/messages/offset_for_leader_epoch_response.hpp"

namespace kwire::detail {
namespace {

namespace msg = kwire::protocol::messages;
using kwire::protocol::kafka_errc;

// Fetch v13+ names topics by id, which the metadata cache does not keep.
constexpr std::int16_t kFetchMaxVersion = 12;

// What a Fetch answer for `partitions` partitions can hold: the records the
// request allows (the broker stops at max_bytes, or each partition at its
// own limit) plus each partition's fields and the answer's own. A first
// batch above the limits still comes whole (KIP-74); the frame reader then
// grows the buffer for it.
std::size_t fetch_response_bound(std::int32_t max_bytes, std::int32_t partition_max_bytes, std::size_t partitions) {
  constexpr std::size_t kPerPartition = 128;  // ids, watermarks, epochs, error, lengths (no aborted list)
  constexpr std::size_t kHeader = 4096;
  const std::size_t records = std::min<std::size_t>(static_cast<std::size_t>(std::max(max_bytes, 0)),
                                                    static_cast<std::size_t>(std::max(partition_max_bytes, 0)) * partitions);
  return records + partitions * kPerPartition + kHeader;
}

// Fetch sessions (KIP-227) exist from v7.
constexpr std::int16_t kSessionMinVersion = 7;

// What one Fetch may ask for: fetch.max.bytes, but no more than the room
// fetch.buffer.bytes leaves beside the frames poll() still holds and the
// Fetches already in flight, so fetched data stays near that bound (a full
// fetch.max.bytes answer on top of a full buffer doubled it). Never below one
// partition's limit, so a consumer with a full buffer still gets something
// when it asks (it asks only once the buffer is under its bound).
std::int32_t fetch_budget(std::int32_t max_bytes, std::int32_t partition_max_bytes, std::int64_t room) {
  const std::int64_t floor = std::min(max_bytes, partition_max_bytes);
  return static_cast<std::int32_t>(std::clamp<std::int64_t>(room, floor, max_bytes));
}

// OffsetForLeaderEpoch below v3 is for replicas (no consumer's replica id, no
// topic permission check); Java's consumer skips validation there too.
constexpr std::int16_t kEpochLookupMinVersion = 3;
constexpr std::int64_t kEarliest = kEarliestTimestamp;
constexpr std::int64_t kLatest = kLatestTimestamp;

std::string partition_name(const PartitionKey& key) { return *key.topic + " [" + std::to_string(key.partition) + "]"; }

// Groups the sent partitions of a response by (topic, partition).
template <typename F>
void for_each_answer(std::vector<std::pair<std::string_view, std::int32_t>>& index, const std::string& topic,
                     std::int32_t partition, F&& f) {
  for (std::size_t i = 0; i < index.size(); ++i)
    if (index[i].second == partition && index[i].first == topic) f(i);
}

// The Fetch a session request stands for: the partitions to send (grouped
// by topic: they come in PartitionKey order) and, incremental, to forget.
msg::FetchRequest fetch_request(const FetcherOptions& options, const SessionRequest& session) {
  msg::FetchRequest req;
  req.replica_id = -1;
  req.max_wait_ms = static_cast<std::int32_t>(options.max_wait.count());
  req.min_bytes = options.min_bytes;
  req.max_bytes = options.max_bytes;
  req.isolation_level = static_cast<std::int8_t>(options.isolation);
  req.rack_id = options.rack;
  req.session_id = session.session_id;
  req.session_epoch = session.epoch;
  for (const SessionPartition& x : session.send) {
    msg::FetchRequest::FetchTopic::FetchPartition fp;
    fp.partition = x.partition.partition;
    fp.fetch_offset = x.fetch_offset;
    fp.current_leader_epoch = x.leader_epoch;  // v9+: the leader fences a stale view
    fp.partition_max_bytes = x.max_bytes;
    topic_entry(req.topics, *x.partition.topic, &msg::FetchRequest::FetchTopic::topic).partitions.push_back(fp);
  }
  for (const PartitionKey& key : session.forget)
    topic_entry(req.forgotten_topics_data, *key.topic, &msg::FetchRequest::ForgottenTopic::topic)
        .partitions.push_back(key.partition);
  return req;
}

}  // namespace

Fetcher::Fetcher(asio::any_io_executor executor, std::shared_ptr<net::ConnectionPool> pool,
                 std::shared_ptr<MetadataCache> cache, FetcherOptions options, std::shared_ptr<FetchQueue> queue,
                 std::shared_ptr<FetchMemory> memory, std::shared_ptr<GroupOffsets> offsets)
    : executor_(executor),
      pool_(std::move(pool)),
      cache_(std::move(cache)),
      options_(std::move(options)),
      queue_(std::move(queue)),
      memory_(std::move(memory)),
      offsets_(std::move(offsets)),
      wake_timer_(executor) {}

void Fetcher::start() { asio::co_spawn(executor_, run(shared_from_this()), asio::detached); }

void Fetcher::stop() {
  stopped_ = true;
  wake_timer_.cancel();
}

void Fetcher::wake() {
  wake_pending_ = true;
  wake_timer_.cancel();
}

void Fetcher::pause(const PartitionKey& partition, bool paused) {
  auto it = partitions_.find(partition);
  if (it == partitions_.end()) return;
  it->second.paused = paused;
  if (!paused) wake();
}

StartPosition::Kind Fetcher::reset_kind() const noexcept {
  switch (options_.reset) {
    case OffsetReset::earliest: return StartPosition::Kind::earliest;
    case OffsetReset::latest: return StartPosition::Kind::latest;
    case OffsetReset::none: break;
  }
  return StartPosition::Kind::none;
}

void Fetcher::assign(const std::vector<Assigned>& partitions) {
  std::map<PartitionKey, State> next;
  for (const Assigned& a : partitions) {
    cache_->add_topic(*a.partition.topic);
    auto old = partitions_.find(a.partition);
    if (old != partitions_.end() && old->second.generation == a.generation) {
      next.emplace(a.partition, old->second);
      continue;
    }
    State s;
    s.generation = a.generation;
    if (a.start.kind == StartPosition::Kind::offset) {
      s.fetch_offset = a.start.offset;
      s.fetched_epoch = a.start.epoch;
    } else {
      s.lookup = a.start.kind;
    }
    next.emplace(a.partition, s);
  }
  partitions_ = std::move(next);
  wake();
}

void Fetcher::seek(const Assigned& a) {
  auto it = partitions_.find(a.partition);
  if (it == partitions_.end()) return;
  State s;
  s.generation = a.generation;
  s.in_flight = it->second.in_flight;  // its answer is dropped by generation, but one request at a time
  s.paused = it->second.paused;
  if (a.start.kind == StartPosition::Kind::offset) {
    s.fetch_offset = a.start.offset;
    s.fetched_epoch = a.start.epoch;
  } else {
    s.lookup = a.start.kind;
  }
  it->second = s;
  wake();
}

asio::awaitable<void> Fetcher::run(std::shared_ptr<Fetcher> self) {
  while (!self->stopped_) {
    Clock::time_point due = self->dispatch();
    if (self->wake_pending_) {
      self->wake_pending_ = false;
      continue;
    }
    self->wake_timer_.expires_at(due);
    std::error_code ignored;
    co_await self->wake_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    self->wake_pending_ = false;
  }
}

Fetcher::Clock::time_point Fetcher::dispatch() {
  const Clock::time_point now = Clock::now();
  Clock::time_point due = now + std::chrono::hours(1);
  std::map<std::int32_t, std::vector<Sent>> lookups, fetches, validations;
  std::vector<Sent> committed;
  const bool memory_full = memory_->over_limit();
  for (auto& [key, s] : partitions_) {
    if (s.in_flight || s.stopped) continue;
    if (s.lookup == StartPosition::Kind::committed && !offsets_) s.lookup = reset_kind();
    if (s.lookup == StartPosition::Kind::none && s.fetch_offset < 0) {
      // No position and no lookup allowed (auto.offset.reset=none).
      stop_partition(key, s, make_error_code(kafka_errc::offset_out_of_range),
                     "no position for " + partition_name(key) + " and auto.offset.reset is none");
      continue;
    }
    if (now < s.retry_at) {
      due = std::min(due, s.retry_at);
      continue;
    }
    if (s.lookup == StartPosition::Kind::committed) {
      committed.push_back({key, s.generation, -1});
      continue;
    }
    auto leader = cache_->leader(*key.topic, key.partition);
    if (!leader || *leader < 0) {
      cache_->request_refresh();
      s.retry_at = now + options_.retry_backoff;
      s.awaiting_leader = true;
      await_topic(key.topic);
      due = std::min(due, s.retry_at);
      continue;
    }
    s.awaiting_leader = false;
    if (s.lookup != StartPosition::Kind::none) {
      lookups[*leader].push_back({key, s.generation, s.lookup == StartPosition::Kind::earliest ? kEarliest : kLatest});
      continue;
    }
    const auto meta = cache_->partition(*key.topic, key.partition);
    const std::int32_t epoch = meta ? meta->leader_epoch : -1;
    if (epoch != s.leader_epoch) {
      // A new leader (or epoch) since the last fetch, or a position not yet
      // fetched from with the epoch of the record before it: was the log
      // truncated below it?
      if (epoch >= 0 && s.fetched_epoch >= 0) s.validate = true;
      s.leader_epoch = epoch;
    }
    if (s.validate) {
      validations[*leader].push_back({key, s.generation, s.fetch_offset, s.leader_epoch, s.fetched_epoch});
    } else if (!memory_full && !s.paused && !fetching_.count(*leader)) {
      fetches[*leader].push_back({key, s.generation, s.fetch_offset, s.leader_epoch, s.fetched_epoch});
    }
  }
  for (auto& [leader, sent] : lookups) {
    for (const Sent& x : sent) partitions_[x.partition].in_flight = true;
    asio::co_spawn(executor_, list_offsets(shared_from_this(), leader, std::move(sent)), asio::detached);
  }
  for (auto& [leader, sent] : validations) {
    for (const Sent& x : sent) partitions_[x.partition].in_flight = true;
    asio::co_spawn(executor_, validate(shared_from_this(), leader, std::move(sent)), asio::detached);
  }
  if (!committed.empty()) {
    for (const Sent& x : committed) partitions_[x.partition].in_flight = true;
    asio::co_spawn(executor_, fetch_committed(shared_from_this(), std::move(committed)), asio::detached);
  }
  for (auto& [leader, sent] : fetches) {
    for (const Sent& x : sent) partitions_[x.partition].in_flight = true;
    fetching_.insert(leader);
    asio::co_spawn(executor_, fetch(shared_from_this(), leader, std::move(sent)), asio::detached);
  }
  // Only a session whose leader has no Fetch in flight can be idle: in the
  // steady state every leader has one, and the assignment is not walked again.
  const bool maybe_idle = std::any_of(sessions_.begin(), sessions_.end(),
                                      [this](const auto& entry) { return !fetching_.count(entry.first); });
  if (maybe_idle) {
    // Leaders of the assignment; while one is unknown (an election), no
    // session closes: its partitions may come back to the same broker.
    std::set<std::int32_t> led;
    bool leaderless = false;
    for (const auto& [key, s] : partitions_) {
      auto leader = cache_->leader(*key.topic, key.partition);
      if (!leader || *leader < 0) leaderless = true;
      else led.insert(*leader);
    }
    if (!leaderless) close_idle_sessions(led);
  }
  return due;
}

void Fetcher::close_idle_sessions(const std::set<std::int32_t>& led) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    const std::int32_t leader = it->first;
    if (led.count(leader) || fetching_.count(leader)) {
      ++it;
      continue;
    }
    if (it->second.open()) {
      fetching_.insert(leader);  // one request per leader at a time, the close too
      asio::co_spawn(executor_, close_session(shared_from_this(), leader, it->second.close()), asio::detached);
    }
    it = sessions_.erase(it);
  }
}

asio::awaitable<void> Fetcher::close_session([[maybe_unused]] std::shared_ptr<Fetcher> self, std::int32_t leader,
                                             SessionRequest close) {
  msg::FetchRequest req = fetch_request(options_, close);
  req.max_wait_ms = 0;
  net::SendOptions opts;
  opts.max_version = kFetchMaxVersion;
  opts.min_version = kSessionMinVersion;
  opts.timeout = options_.request_timeout;
  // Whatever the answer, the session is gone on this side; the broker would
  // evict it in time anyway.
  co_await pool_->send<msg::FetchResponse>(leader, req, opts);
  fetching_.erase(leader);
  if (!stopped_) wake();
}

void Fetcher::await_topic(const std::string* topic) {
  if (!awaited_topics_.insert(topic).second) return;
  asio::co_spawn(
      executor_,
      [self = shared_from_this(), topic]() -> asio::awaitable<void> {
        co_await self->cache_->wait_for_topic(*topic, self->options_.retry_backoff);
        self->awaited_topics_.erase(topic);
        if (self->stopped_) co_return;
        bool ready = false;
        for (auto& [key, s] : self->partitions_) {
          if (key.topic != topic || !s.awaiting_leader) continue;
          // Still no leader (an election): the backoff stands, no refresh loop.
          auto leader = self->cache_->leader(*topic, key.partition);
          if (!leader || *leader < 0) continue;
          s.awaiting_leader = false;
          s.retry_at = {};
          ready = true;
        }
        if (ready) self->wake();
      },
      asio::detached);
}

Fetcher::State* Fetcher::current(const Sent& sent) {
  auto it = partitions_.find(sent.partition);
  if (it == partitions_.end() || it->second.generation != sent.generation) return nullptr;
  return &it->second;
}

void Fetcher::request_done(const std::vector<Sent>& sent) {
  // By partition, whatever its generation now: a seek made meanwhile waited
  // for this request to finish.
  for (const Sent& x : sent)
    if (auto it = partitions_.find(x.partition); it != partitions_.end()) it->second.in_flight = false;
}

void Fetcher::retry_later(State& s, std::error_code ec) {
  cache_->on_error(ec);
  cache_->request_refresh();
  s.retry_at = Clock::now() + options_.retry_backoff;
}

void Fetcher::stop_partition(const PartitionKey& key, State& s, std::error_code ec, std::string detail) {
  s.stopped = true;
  FetchEvent e;
  e.kind = FetchEvent::Kind::error;
  e.partition = key;
  e.generation = s.generation;
  e.error = ec;
  e.detail = std::move(detail);
  queue_->push(std::move(e));
}

void Fetcher::set_position(const PartitionKey& key, State& s, std::int64_t offset, std::int32_t epoch) {
  s.fetch_offset = offset;
  s.lookup = StartPosition::Kind::none;
  s.fetched_epoch = epoch;  // known: validated against the leader before the first fetch
  s.validate = false;
  FetchEvent e;
  e.kind = FetchEvent::Kind::position;
  e.partition = key;
  e.generation = s.generation;
  e.fetch_offset = offset;
  e.leader_epoch = epoch;
  queue_->push(std::move(e));
}

asio::awaitable<void> Fetcher::fetch([[maybe_unused]] std::shared_ptr<Fetcher> self, std::int32_t leader, std::vector<Sent> sent) {
  std::vector<SessionPartition> partitions;
  partitions.reserve(sent.size());
  for (const Sent& x : sent)
    partitions.push_back({x.partition, x.offset, x.leader_epoch, options_.partition_max_bytes});
  const SessionRequest session = sessions_[leader].next(partitions);
  msg::FetchRequest req = fetch_request(options_, session);
  req.max_bytes = fetch_budget(options_.max_bytes, options_.partition_max_bytes,
                               memory_->limit() - memory_->used() - reserved_);
  reserved_ += req.max_bytes;
  std::vector<std::pair<std::string_view, std::int32_t>> index;
  for (const Sent& x : sent) index.emplace_back(*x.partition.topic, x.partition.partition);
  net::SendOptions opts;
  opts.max_version = kFetchMaxVersion;
  // The isolation level exists from v4; older versions return uncommitted
  // records, so read_committed never goes below it.
  if (options_.isolation == IsolationLevel::read_committed) opts.min_version = 4;
  // An incremental request means nothing without sessions.
  if (session.incremental) opts.min_version = kSessionMinVersion;
  opts.timeout = options_.request_timeout + options_.max_wait;
  opts.response_bytes = fetch_response_bound(req.max_bytes, options_.partition_max_bytes, sent.size());
  auto result = co_await pool_->send<msg::FetchResponse>(leader, req, opts);
  fetching_.erase(leader);
  reserved_ -= req.max_bytes;
  if (stopped_) co_return;
  request_done(sent);
  std::error_code top = result.error ? result.error : protocol::kafka_error(result.response.body.error_code);
  const bool no_version = top == net::net_errc::no_common_version || top == net::net_errc::unsupported_api;
  FetchSession& fs = sessions_[leader];
  if (result.error) fs.failed();
  else fs.answered(result.response.body.error_code, result.response.body.session_id);
  if (top == kafka_errc::fetch_session_id_not_found || top == kafka_errc::invalid_fetch_session_epoch ||
      (no_version && session.incremental)) {
    // The session is gone or out of step (or the broker no longer speaks
    // v7): fetch again at once, in full.
    if (no_version) fs.reset();
    wake();
    co_return;
  }
  if (top) {
    // No version both sides know can carry the request: asking again will not
    // help, so the partitions stop with the error (a seek starts them again).
    for (const Sent& x : sent)
      if (State* s = current(x)) {
        if (no_version)
          stop_partition(x.partition, *s, top, "Fetch " + partition_name(x.partition) + ": " + top.message());
        else
          retry_later(*s, top);
      }
    wake();
    co_return;
  }
  std::shared_ptr<FetchedFrame> frame;
  for (auto& rt : result.response.body.responses) {
    for (auto& rp : rt.partitions) {
      for_each_answer(index, rt.topic, rp.partition_index, [&](std::size_t i) {
        const Sent& x = sent[i];
        State* s = current(x);
        if (!s || s->fetch_offset != x.offset || s->lookup != StartPosition::Kind::none || s->validate) return;
        FetchAnswer answer = judge_fetch_answer(rp, partition_name(x.partition), x.offset, options_.isolation,
                                                options_.reset, options_.partition_max_bytes);
        switch (answer.kind) {
          case FetchAnswer::Kind::nothing: return;
          case FetchAnswer::Kind::reset:
            s->fetch_offset = -1;
            s->lookup = reset_kind();
            return;
          case FetchAnswer::Kind::retry: return retry_later(*s, answer.error);
          case FetchAnswer::Kind::stop: return stop_partition(x.partition, *s, answer.error, std::move(answer.detail));
          case FetchAnswer::Kind::records: break;
        }
        if (!frame) frame = std::make_shared<FetchedFrame>(result.response.frame, memory_);
        FetchEvent e;
        e.kind = FetchEvent::Kind::records;
        e.partition = x.partition;
        e.generation = s->generation;
        e.fetch_offset = x.offset;
        e.next_offset = answer.next_offset;
        e.frame = frame;
        e.records = *rp.records;
        e.aborted = std::move(answer.aborted);
        s->fetch_offset = answer.next_offset;
        s->fetched_epoch = answer.last_epoch;
        queue_->push(std::move(e));
      });
    }
  }
  wake();
}

asio::awaitable<void> Fetcher::list_offsets([[maybe_unused]] std::shared_ptr<Fetcher> self, std::int32_t leader,
                                            std::vector<Sent> sent) {
  std::vector<OffsetQuery> queries;
  for (const Sent& x : sent) queries.push_back({x.partition.topic, x.partition.partition, x.offset});
  std::vector<OffsetAnswer> answers = co_await list_offsets_once(*pool_, leader, queries, options_.isolation);
  if (stopped_) co_return;
  request_done(sent);
  for (std::size_t i = 0; i < sent.size(); ++i) {
    const Sent& x = sent[i];
    State* s = current(x);
    if (!s) continue;
    if (s->lookup == StartPosition::Kind::none) continue;
    const std::error_code ec = answers[i].error;
    if (ec && (protocol::is_retriable(ec) || net::is_retriable_net_error(ec))) {
      retry_later(*s, ec);
    } else if (ec) {
      stop_partition(x.partition, *s, ec, "ListOffsets " + partition_name(x.partition) + ": " + ec.message());
    } else {
      set_position(x.partition, *s, std::max<std::int64_t>(answers[i].offset, 0));
    }
  }
  wake();
}

asio::awaitable<void> Fetcher::fetch_committed([[maybe_unused]] std::shared_ptr<Fetcher> self, std::vector<Sent> sent) {
  std::vector<OffsetEntry> entries;
  for (const Sent& x : sent) {
    OffsetEntry& e = entries.emplace_back();
    e.topic = x.partition.topic;
    e.partition = x.partition.partition;
  }
  const std::error_code ec = co_await offsets_->fetch(
      entries, options_.isolation == IsolationLevel::read_committed, Clock::now() + options_.request_timeout);
  if (stopped_) co_return;
  request_done(sent);
  for (std::size_t i = 0; i < sent.size(); ++i) {
    State* s = current(sent[i]);
    if (!s || s->lookup != StartPosition::Kind::committed) continue;
    const std::error_code e = ec ? ec : entries[i].error;
    if (e == consumer_errc::consumer_timeout || (e && (protocol::is_retriable(e) || net::is_retriable_net_error(e)))) {
      s->retry_at = Clock::now() + options_.retry_backoff;
    } else if (e) {
      stop_partition(sent[i].partition, *s, e,
                     "OffsetFetch " + partition_name(sent[i].partition) + " (group " + offsets_->group_id() +
                         "): " + e.message());
    } else if (entries[i].offset >= 0) {
      // With the epoch it was committed under (OffsetFetch v5+): the leader's
      // log is checked for a truncation below it first (KIP-320, as Java does).
      set_position(sent[i].partition, *s, entries[i].offset, entries[i].leader_epoch);
    } else {
      s->lookup = reset_kind();  // nothing committed: auto.offset.reset
    }
  }
  wake();
}

asio::awaitable<void> Fetcher::validate([[maybe_unused]] std::shared_ptr<Fetcher> self, std::int32_t leader,
                                       std::vector<Sent> sent) {
  msg::OffsetForLeaderEpochRequest req;
  req.replica_id = -1;  // a consumer
  for (const Sent& x : sent) {
    msg::OffsetForLeaderEpochRequest::OffsetForLeaderTopic::OffsetForLeaderPartition p;
    p.partition = x.partition.partition;
    p.current_leader_epoch = x.leader_epoch;
    p.leader_epoch = x.fetched_epoch;
    topic_entry(req.topics, *x.partition.topic, &msg::OffsetForLeaderEpochRequest::OffsetForLeaderTopic::topic)
        .partitions.push_back(p);
  }
  net::SendOptions opts;
  opts.min_version = kEpochLookupMinVersion;
  opts.timeout = options_.request_timeout;
  auto result = co_await pool_->send<msg::OffsetForLeaderEpochResponse>(leader, req, opts);
  if (stopped_) co_return;
  request_done(sent);
  if (result.error) {
    // A broker that cannot answer for consumers: fetch on unvalidated, as Java does.
    const bool no_version =
        result.error == net::net_errc::no_common_version || result.error == net::net_errc::unsupported_api;
    for (const Sent& x : sent)
      if (State* s = current(x); s && s->validate && s->fetch_offset == x.offset) {
        if (no_version) s->validate = false;
        else retry_later(*s, result.error);
      }
    wake();
    co_return;
  }
  std::vector<std::pair<std::string_view, std::int32_t>> index;
  for (const Sent& x : sent) index.emplace_back(*x.partition.topic, x.partition.partition);
  for (const auto& rt : result.response.body.topics) {
    for (const auto& rp : rt.partitions) {
      for_each_answer(index, rt.topic, rp.partition, [&](std::size_t i) {
        const Sent& x = sent[i];
        State* s = current(x);
        if (!s || !s->validate || s->fetch_offset != x.offset || s->lookup != StartPosition::Kind::none) return;
        const std::error_code ec = protocol::kafka_error(rp.error_code);
        if (ec && protocol::is_retriable(ec)) return retry_later(*s, ec);
        if (ec)
          return stop_partition(x.partition, *s, ec,
                                "OffsetForLeaderEpoch " + partition_name(x.partition) + ": " +
                                    std::string(protocol::kafka_error_name(rp.error_code)));
        validated(x, *s, rp.leader_epoch, rp.end_offset);
      });
    }
  }
  wake();
}

void Fetcher::validated(const Sent& x, State& s, std::int32_t answered, std::int64_t end_offset) {
  s.validate = false;
  if (answered >= 0 && end_offset >= 0 && end_offset >= x.offset) return;  // no truncation below us
  const bool known = answered >= 0 && end_offset >= 0;
  if (options_.reset != OffsetReset::none) {
    if (known) {
      // Back to the first offset the new leader's log does not share with
      // the one we read: everything it holds from there on is read.
      set_position(x.partition, s, end_offset, answered);
    } else {
      // The leader knows nothing as old as our epoch: auto.offset.reset.
      s.fetch_offset = -1;
      s.fetched_epoch = -1;
      s.lookup = reset_kind();
    }
    return;
  }
  stop_partition(x.partition, s, make_error_code(consumer_errc::log_truncation),
                 partition_name(x.partition) + ": the log of leader epoch " + std::to_string(x.leader_epoch) +
                     " diverges from what was fetched at offset " +
                     (known ? std::to_string(end_offset) + " (epoch " + std::to_string(answered) + ")"
                            : std::string("an unknown offset (epoch ") + std::to_string(x.fetched_epoch) +
                                  " unknown to the leader)") +
                     ", below the fetch position " + std::to_string(x.offset));
}

}  // namespace kwire::detail
