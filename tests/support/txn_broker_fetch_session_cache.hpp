// The TxnBroker's broker-side KIP-227 fetch sessions, after Kafka's
// FetchManager and FetchSessionCache: a Fetch v7+ with epoch 0 is a full
// fetch that closes the session it names (if any) and opens a new one; epoch
// -1 closes the named session and fetches without one; epoch n > 0 must name
// a session of this node (else FETCH_SESSION_ID_NOT_FOUND) at exactly the
// epoch it expects (else INVALID_FETCH_SESSION_EPOCH), and is incremental:
// its partitions are added to the session or update their fetch offset, max
// bytes and leader epoch, its forgotten partitions leave the session, and
// the session's partitions are served from the offsets it holds. A full
// answer lists every requested partition; an incremental one only those with
// records, an error, or a high watermark, last stable offset or log start
// offset other than the session last answered. The epoch advances by one
// per answered incremental request (past INT32_MAX to 1).
// Switches: refuse sessions (answer session id 0), evict every session (the
// next incremental Fetch gets FETCH_SESSION_ID_NOT_FOUND), skew the expected
// epochs (the next one gets INVALID_FETCH_SESSION_EPOCH).
// A Fetch asked to wait (no data yet) is handled again later: open() changes
// nothing, commit() applies the request once, when it is answered.
// Threads: BrokerState::mu held for every call.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "kwire/protocol/messages/fetch_request.hpp"
#include "kwire/protocol/messages/fetch_response.hpp"
#include "txn_broker_fetch_sessions.hpp"

namespace kwire::test::txn {

// One partition a Fetch serves, from the request or the session.
struct FetchTarget {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t fetch_offset = -1;
  std::int32_t max_bytes = 0;
  std::int32_t leader_epoch = -1;
};

// What the session holds of a partition: the request's parameters and what
// it last answered.
struct CachedFetchPartition {
  FetchTarget target;
  std::int64_t high_watermark = -1;
  std::int64_t last_stable_offset = -1;
  std::int64_t log_start_offset = -1;
};

struct FetchSessionEntry {
  std::int32_t node = 0;
  std::int32_t epoch = 1;  // the epoch the next incremental request must carry
  std::map<std::pair<std::string, std::int32_t>, CachedFetchPartition> partitions;
};

// One Fetch resolved against the cache; nothing changed until commit().
struct FetchSessionContext {
  std::int16_t error = 0;          // FETCH_SESSION_ID_NOT_FOUND / INVALID_FETCH_SESSION_EPOCH
  bool incremental = false;
  bool create = false;             // a full fetch asking for a session
  std::int32_t session_id = 0;     // incremental: the session
  std::int32_t close_id = 0;       // full: the session the request closes (epoch 0 or -1)
  std::vector<FetchTarget> targets;  // what to serve, in answer order
  std::map<std::pair<std::string, std::int32_t>, CachedFetchPartition> next;  // incremental: the session after it
  TxnFetchSeen seen;
};

class FetchSessionCache {
 public:
  FetchSessionContext open(std::int32_t node, std::int16_t version,
                           const kwire::protocol::messages::FetchRequest& req) const;
  // Does an incremental answer list this partition?
  bool must_answer(const FetchSessionContext& ctx,
                   const kwire::protocol::messages::FetchResponse::FetchableTopicResponse::PartitionData& pd,
                   const std::string& topic) const;
  // Applies the request (closes, creates, advances) and records it; returns
  // the answer's session id. For an error context too.
  std::int32_t commit(FetchSessionContext& ctx, const kwire::protocol::messages::FetchResponse& resp);

  bool enabled = true;
  void evict(std::int32_t node);  // 0: every node
  void skew_epochs();
  int open_sessions(std::int32_t node) const;
  std::vector<TxnFetchSeen> seen;

 private:
  std::map<std::int32_t, FetchSessionEntry> sessions_;
  std::int32_t next_id_ = 1;
};

}  // namespace kwire::test::txn
