// ListOffsets for a consumer: one request to a partition leader asking, per
// partition, for the offset at a timestamp (-2 earliest, -1 latest: the high
// watermark, or the last stable offset under read_committed). Every answer
// carries its partition's error, or the request's transport error.
// io_context thread only (like the pool).
#pragma once

#include <asio/awaitable.hpp>

#include <cstdint>
#include <string>
#include <system_error>
#include <vector>

#include <chrono>

#include "cluster/metadata_cache.hpp"
#include "kwire/consumer_config.hpp"
#include "kwire/net/connection_pool.hpp"

namespace kwire::detail {

inline constexpr std::int64_t kEarliestTimestamp = -2;
inline constexpr std::int64_t kLatestTimestamp = -1;

struct OffsetQuery {
  const std::string* topic = nullptr;
  std::int32_t partition = 0;
  std::int64_t timestamp = kLatestTimestamp;
};

struct OffsetAnswer {
  std::error_code error;
  std::int64_t offset = -1;     // -1: no record at or after the timestamp
  std::int64_t timestamp = -1;  // of that record (timestamp queries)
};

// Answers in the order of `queries`.
asio::awaitable<std::vector<OffsetAnswer>> list_offsets_once(net::ConnectionPool& pool, std::int32_t leader,
                                                             const std::vector<OffsetQuery>& queries,
                                                             IsolationLevel isolation);

// Every query answered by its leader, looking leaders up in `cache` and
// retrying retriable errors (leader moved, lost connection, unknown
// partition) every `backoff` until `deadline`. Returns the first error that
// is not retriable, or consumer_errc::consumer_timeout; `answers` then holds
// what was learnt.
asio::awaitable<std::error_code> lookup_offsets(MetadataCache& cache, std::vector<OffsetQuery> queries,
                                                IsolationLevel isolation, std::chrono::milliseconds backoff,
                                                std::chrono::steady_clock::time_point deadline,
                                                std::vector<OffsetAnswer>& answers);

}  // namespace kwire::detail
