// ConsumerImpl's assignment (see consumer_impl.hpp): assign(), the partitions
// owned with their positions and seek generations, seek(), position(),
// pause().
#include "consumer/consumer_impl.hpp"

#include <asio/post.hpp>

#include <system_error>

namespace kwire::detail {

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
  asio::post(io(), [f = fetcher_, for_fetcher = std::move(for_fetcher)] { f->assign(for_fetcher); });
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
  asio::post(io(), [f = fetcher_, a] { f->seek(a); });
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
    asio::post(io(), [f = fetcher_, key, paused] { f->pause(key, paused); });
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
