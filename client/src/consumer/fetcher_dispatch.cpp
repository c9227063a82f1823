// The Fetcher's loop (see fetcher.hpp): what each assigned partition needs
// next (an offset lookup, its committed offset, a leader epoch check or a
// Fetch), started per leader; waiting for a topic's metadata.
#include "consumer/fetcher.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>

#include "consumer/fetcher_request_helpers.hpp"
#include "consumer/offset_lookup.hpp"
#include "kwire/protocol/errors.hpp"

namespace kwire::detail {
namespace {

using kwire::protocol::kafka_errc;

constexpr std::int64_t kEarliest = kEarliestTimestamp;
constexpr std::int64_t kLatest = kLatestTimestamp;

}  // namespace

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

}  // namespace kwire::detail
