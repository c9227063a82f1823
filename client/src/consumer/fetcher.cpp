// The consumer's fetch loop (see fetcher.hpp): construction, the assigned
// partitions' fetch state, and what a finished request does to it.
#include "consumer/fetcher.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>

#include <utility>

namespace kwire::detail {

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
      wake_timer_(executor),
      stop_timer_(executor) {}

void Fetcher::start() { asio::co_spawn(executor_, run(shared_from_this()), asio::detached); }

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

}  // namespace kwire::detail
