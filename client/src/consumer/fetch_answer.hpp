// What one partition's part of a Fetch response means for the fetcher, as a
// pure function (the io thread applies it; the fuzz target drives it with
// any response): OFFSET_OUT_OF_RANGE resets per auto.offset.reset (or stops
// with none), a retriable error retries after a metadata refresh, any other
// error stops the partition; data yields the offset after its last complete
// batch (with that batch's leader epoch) and, under read_committed, the
// aborted-transaction list sorted by first offset; only a partial batch at
// least max.partition.fetch.bytes long stops with record_too_large (more
// bytes will not come). The high watermark and the LSO are not used: the
// broker already bounds the data by them (Java's consumer does the same;
// they only feed lag). Any thread.
#pragma once

#include <cstdint>
#include <string>
#include <system_error>
#include <vector>

#include "consumer/fetch_queue.hpp"
#include "kwire/consumer_config.hpp"
#include "kwire/protocol/messages/fetch_response.hpp"

namespace kwire::detail {

struct FetchAnswer {
  enum class Kind : std::uint8_t {
    nothing,  // no error and no complete batch past the fetch offset: fetch again
    reset,    // OFFSET_OUT_OF_RANGE with auto.offset.reset earliest/latest
    retry,    // a retriable error: refresh the metadata, retry after the backoff
    stop,     // report `error` and fetch no more until a seek
    records,  // [fetch_offset, next_offset) in `records`
  } kind = Kind::nothing;
  std::error_code error;
  std::string detail;                // for stop
  std::int64_t next_offset = -1;     // records
  std::int32_t last_epoch = -1;      // records: leader epoch of the last complete batch
  std::vector<AbortedTxn> aborted;   // records, read_committed: by first offset
};

FetchAnswer judge_fetch_answer(const protocol::messages::FetchResponse::FetchableTopicResponse::PartitionData& answer,
                               const std::string& partition_name, std::int64_t fetch_offset,
                               IsolationLevel isolation, OffsetReset reset, std::int32_t partition_max_bytes);

}  // namespace kwire::detail
