// The TxnBroker's fetch session cache (see txn_broker_fetch_session_cache.hpp).
#include "txn_broker_fetch_session_cache.hpp"

#include <limits>

#include "kwire/protocol/kafka_errc.hpp"

namespace kwire::test::txn {
namespace {

namespace msg = kwire::protocol::messages;
using kwire::protocol::kafka_errc;
using Key = std::pair<std::string, std::int32_t>;
using PartitionData = msg::FetchResponse::FetchableTopicResponse::PartitionData;

constexpr std::int16_t kSessionVersion = 7;

std::int32_t next_epoch(std::int32_t epoch) {
  return epoch == std::numeric_limits<std::int32_t>::max() ? 1 : epoch + 1;
}

// What the session remembers of an answered partition (Kafka keeps -1 as the
// high watermark after an error, so the partition is listed once it clears).
void remember(CachedFetchPartition& c, const PartitionData& pd) {
  c.high_watermark = pd.error_code != 0 ? -1 : pd.high_watermark;
  c.last_stable_offset = pd.last_stable_offset;
  c.log_start_offset = pd.log_start_offset;
}

}  // namespace

FetchSessionContext FetchSessionCache::open(std::int32_t node, std::int16_t version, const msg::FetchRequest& req) const {
  FetchSessionContext ctx;
  const bool sessions = version >= kSessionVersion;
  const std::int32_t id = sessions ? req.session_id : 0;
  const std::int32_t epoch = sessions ? req.session_epoch : -1;
  ctx.seen.node = node;
  ctx.seen.version = version;
  ctx.seen.session_id = id;
  ctx.seen.session_epoch = epoch;
  ctx.seen.max_bytes = req.max_bytes;
  std::vector<FetchTarget> requested;
  for (const auto& t : req.topics)
    for (const auto& p : t.partitions) {
      requested.push_back({t.topic, p.partition, p.fetch_offset, p.partition_max_bytes, p.current_leader_epoch});
      ctx.seen.sent.push_back({t.topic, p.partition, p.fetch_offset});
    }
  if (sessions)
    for (const auto& t : req.forgotten_topics_data)
      for (auto p : t.partitions) ctx.seen.forgotten.emplace_back(t.topic, p);
  if (epoch <= 0) {
    // Full: 0 asks for a session, -1 does without; either closes the named one.
    ctx.targets = std::move(requested);
    ctx.close_id = id;
    ctx.create = epoch == 0 && enabled;
    return ctx;
  }
  auto it = sessions_.find(id);
  if (it == sessions_.end() || it->second.node != node) {
    ctx.error = static_cast<std::int16_t>(kafka_errc::fetch_session_id_not_found);
    return ctx;
  }
  if (it->second.epoch != epoch) {
    ctx.error = static_cast<std::int16_t>(kafka_errc::invalid_fetch_session_epoch);
    return ctx;
  }
  ctx.incremental = true;
  ctx.session_id = id;
  ctx.next = it->second.partitions;
  // Kafka's order: the request's partitions join or update, then the forgotten ones leave.
  for (FetchTarget& t : requested) {
    Key key{t.topic, t.partition};
    ctx.next[key].target = std::move(t);
  }
  for (const auto& k : ctx.seen.forgotten) ctx.next.erase(k);
  for (const auto& [key, c] : ctx.next) ctx.targets.push_back(c.target);
  return ctx;
}

bool FetchSessionCache::must_answer(const FetchSessionContext& ctx, const PartitionData& pd,
                                    const std::string& topic) const {
  if (!ctx.incremental) return true;
  auto it = ctx.next.find({topic, pd.partition_index});
  if (it == ctx.next.end()) return true;
  const CachedFetchPartition& c = it->second;
  return (pd.records && !pd.records->empty()) || pd.error_code != 0 || pd.high_watermark != c.high_watermark ||
         pd.last_stable_offset != c.last_stable_offset || pd.log_start_offset != c.log_start_offset;
}

std::int32_t FetchSessionCache::commit(FetchSessionContext& ctx, const msg::FetchResponse& resp) {
  std::map<Key, const PartitionData*> answered;
  for (const auto& t : resp.responses)
    for (const auto& pd : t.partitions) {
      answered[{t.topic, pd.partition_index}] = &pd;
      ctx.seen.answered.push_back({t.topic, pd.partition_index, -1});
    }
  ctx.seen.error_code = ctx.error;
  ctx.seen.incremental = ctx.incremental;
  std::int32_t answer_id = 0;
  if (ctx.error != 0) {
    // No session change: the client starts over (or closes and reopens).
  } else if (ctx.incremental) {
    for (auto& [key, c] : ctx.next)
      if (auto a = answered.find(key); a != answered.end()) remember(c, *a->second);
    FetchSessionEntry& entry = sessions_.at(ctx.session_id);
    entry.partitions = std::move(ctx.next);
    entry.epoch = next_epoch(entry.epoch);
    answer_id = ctx.session_id;
  } else {
    if (auto it = sessions_.find(ctx.close_id); ctx.close_id != 0 && it != sessions_.end() &&
                                                it->second.node == ctx.seen.node)
      sessions_.erase(it);
    if (ctx.create) {
      answer_id = next_id_++;
      FetchSessionEntry& entry = sessions_[answer_id];
      entry.node = ctx.seen.node;
      for (const FetchTarget& t : ctx.targets) {
        CachedFetchPartition& c = entry.partitions[{t.topic, t.partition}];
        c.target = t;
        if (auto a = answered.find({t.topic, t.partition}); a != answered.end()) remember(c, *a->second);
      }
    }
  }
  ctx.seen.answer_session_id = answer_id;
  seen.push_back(std::move(ctx.seen));
  return answer_id;
}

void FetchSessionCache::evict(std::int32_t node) {
  for (auto it = sessions_.begin(); it != sessions_.end();)
    it = node == 0 || it->second.node == node ? sessions_.erase(it) : std::next(it);
}

void FetchSessionCache::skew_epochs() {
  for (auto& [id, entry] : sessions_) entry.epoch = next_epoch(entry.epoch);
}

int FetchSessionCache::open_sessions(std::int32_t node) const {
  int n = 0;
  for (const auto& [id, entry] : sessions_) n += node == 0 || entry.node == node ? 1 : 0;
  return n;
}

}  // namespace kwire::test::txn
