// The client's half of a KIP-227 fetch session with one broker (Java's
// FetchSessionHandler): which partitions the next Fetch names, which it
// forgets, and the session id and epoch it carries; then what the answer
// means for the session. No network: the fetcher builds its Fetch from
// next() and hands the answer's error and session id to answered().
//
// Requests (id, epoch): (0, 0) a full fetch asking for a new session;
// (id, 0) a full fetch that closes session id and asks for a new one;
// (id, n > 0) an incremental fetch: only the partitions added or changed
// since the last request (fetch offset, partition max bytes or current leader
// epoch), the ones dropped in `forget`; (id, -1) closes the session
// (close()). A full answer with a session id opens the session (epoch 1
// next); one with id 0 means no session this time: the next request asks
// again with (0, 0), as Java's client does (a broker answers 0 when its
// session cache is full as well as when it has no sessions, so asking costs
// nothing: a full fetch either way). The epoch goes up by one per answered
// incremental request, past INT32_MAX to 1. FETCH_SESSION_ID_NOT_FOUND
// starts over with (0, 0); any other top-level error
// (INVALID_FETCH_SESSION_EPOCH...), a failed request or a lost connection
// sends (id, 0) next: a full fetch, the old session closed.
// A partition left out of a request (paused, moved to another leader,
// waiting for a lookup or a backoff) leaves the session through `forget`,
// as in Java; it is added again when it is fetched again.
// Thread: the fetcher's io thread only (plain data).
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "consumer/fetch_queue.hpp"

namespace kwire::detail {

// One partition as a Fetch names it: what the session remembers of it.
struct SessionPartition {
  PartitionKey partition;
  std::int64_t fetch_offset = -1;
  std::int32_t leader_epoch = -1;  // current_leader_epoch (v9+)
  std::int32_t max_bytes = 0;      // partition_max_bytes
  friend bool operator==(const SessionPartition&, const SessionPartition&) = default;
};

// What the next Fetch to the broker carries.
struct SessionRequest {
  std::int32_t session_id = 0;
  std::int32_t epoch = 0;
  bool incremental = false;            // epoch > 0: needs Fetch v7+
  std::vector<SessionPartition> send;  // every partition (full) or the added and changed ones
  std::vector<PartitionKey> forget;    // incremental only: partitions that leave the session
};

class FetchSession {
 public:
  static constexpr std::int32_t kInitialEpoch = 0;
  static constexpr std::int32_t kFinalEpoch = -1;
  // The epoch after `epoch`: past INT32_MAX it wraps to 1 (0 would mean a new session).
  static std::int32_t next_epoch(std::int32_t epoch) noexcept;

  // The request for fetching exactly `partitions` (in PartitionKey order,
  // each once); the session takes them as its partitions from now on.
  SessionRequest next(const std::vector<SessionPartition>& partitions);
  // The answer to the last next(): its top-level error code and session id
  // (0 when the version has no sessions, below Fetch v7).
  void answered(std::int16_t error_code, std::int32_t session_id);
  // The request failed or its connection was lost: the next one is full and
  // closes the session (Java's nextCloseExisting).
  void failed() noexcept;
  // Forgets the session entirely: the next request is (0, 0).
  void reset() noexcept;
  // The request that closes the session (id, -1, no partitions); the
  // session is forgotten. Only meaningful when open().
  SessionRequest close();

  bool open() const noexcept { return id_ != 0; }
  std::int32_t id() const noexcept { return id_; }
  std::int32_t epoch() const noexcept { return epoch_; }
  // The partitions the broker holds in the session (as of the last next()).
  const std::map<PartitionKey, SessionPartition>& partitions() const noexcept { return partitions_; }

 private:
  std::int32_t id_ = 0;
  std::int32_t epoch_ = kInitialEpoch;  // of the next request
  bool last_incremental_ = false;       // the last next() built an incremental request
  std::map<PartitionKey, SessionPartition> partitions_;
};

}  // namespace kwire::detail
