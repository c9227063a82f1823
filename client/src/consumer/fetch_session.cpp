// A KIP-227 fetch session's bookkeeping (see fetch_session.hpp).
#include "consumer/fetch_session.hpp"

#include <limits>

#include "kwire/protocol/kafka_errc.hpp"

namespace kwire::detail {

using kwire::protocol::kafka_errc;

std::int32_t FetchSession::next_epoch(std::int32_t epoch) noexcept {
  if (epoch < 0) return kFinalEpoch;
  if (epoch == std::numeric_limits<std::int32_t>::max()) return 1;
  return epoch + 1;
}

SessionRequest FetchSession::next(const std::vector<SessionPartition>& partitions) {
  SessionRequest req;
  req.session_id = id_;
  req.epoch = epoch_;
  req.incremental = id_ != 0 && epoch_ > 0;
  last_incremental_ = req.incremental;
  std::map<PartitionKey, SessionPartition> now;
  for (const SessionPartition& p : partitions) now.emplace(p.partition, p);
  if (!req.incremental) {
    req.send = partitions;
  } else {
    for (const SessionPartition& p : partitions) {
      auto old = partitions_.find(p.partition);
      if (old == partitions_.end() || !(old->second == p)) req.send.push_back(p);
    }
    for (const auto& [key, p] : partitions_)
      if (!now.count(key)) req.forget.push_back(key);
  }
  partitions_ = std::move(now);
  return req;
}

void FetchSession::answered(std::int16_t error_code, std::int32_t session_id) {
  if (error_code == static_cast<std::int16_t>(kafka_errc::fetch_session_id_not_found)) return reset();
  if (error_code != 0) return failed();
  if (!last_incremental_) {
    // A full fetch: the broker opened a session, or none (ask again next time).
    id_ = session_id;
    epoch_ = session_id != 0 ? 1 : kInitialEpoch;
    return;
  }
  if (session_id == 0) return reset();  // the broker closed the session
  if (session_id != id_) return failed();
  epoch_ = next_epoch(epoch_);
}

void FetchSession::failed() noexcept {
  epoch_ = kInitialEpoch;  // (id, 0): close the old session, open a new one
  last_incremental_ = false;
}

void FetchSession::reset() noexcept {
  id_ = 0;
  epoch_ = kInitialEpoch;
  last_incremental_ = false;
  partitions_.clear();
}

SessionRequest FetchSession::close() {
  SessionRequest req;
  req.session_id = id_;
  req.epoch = kFinalEpoch;
  reset();
  return req;
}

}  // namespace kwire::detail
