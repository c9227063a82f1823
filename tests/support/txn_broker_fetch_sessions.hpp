// What the TxnBroker shows of its KIP-227 fetch sessions: one record per
// Fetch it answered, as the broker read and answered it, so a test can check
// from the broker's side that a client's session requests are incremental.
// Plain values; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace kwire::test {

struct TxnFetchPartitionSeen {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t fetch_offset = -1;  // requests: as sent; answers: -1
  friend bool operator==(const TxnFetchPartitionSeen&, const TxnFetchPartitionSeen&) = default;
};

struct TxnFetchSeen {
  std::int32_t node = 0;
  std::int16_t version = 0;
  std::int32_t session_id = 0;      // as the request carried them
  std::int32_t session_epoch = -1;
  std::int32_t max_bytes = 0;       // the request's response limit
  std::vector<TxnFetchPartitionSeen> sent;                  // the request's partitions
  std::vector<std::pair<std::string, std::int32_t>> forgotten;  // its forgotten_topics_data
  std::int16_t error_code = 0;                 // the answer's top-level error
  std::int32_t answer_session_id = 0;          // the answer's session id
  std::vector<TxnFetchPartitionSeen> answered;  // the partitions the answer listed
  bool incremental = false;  // the request was served from a session (epoch > 0, accepted)
};

}  // namespace kwire::test
