// Reads records of one topic for `kwire consume` and `kwire demo`: Metadata
// for the partitions and leaders, ListOffsets for the start (and end)
// offsets, then Fetch requests to each leader, decoded with kwire's record
// batch reader. No consumer group: positions live only in this object.
// Runs on the BrokerSession's thread (the calling thread).
#pragma once

// libstdc++'s configuration must precede Asio's: Asio decides from it whether
// to use aligned_alloc, and every translation unit must decide the same way.
#include <version>

#include <asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <system_error>

#include "cli/broker_session.hpp"
#include "kwire/protocol/records/record.hpp"

namespace kwire::tool {

struct StartOffset {
  enum class Kind { beginning, end, absolute, from_end } kind = Kind::end;
  std::int64_t value = 0;  // absolute offset, or how many before the end
};

// Parses kcat's -o forms: beginning | end | N | -N (N before the end).
std::optional<StartOffset> parse_start_offset(const std::string& text);

struct ReadSpec {
  std::string topic;
  std::optional<std::int32_t> partition;  // nullopt = every partition
  StartOffset start;
  bool exit_at_end = false;               // -e: stop once every partition is read to its end
  bool read_committed = false;            // isolation.level=read_committed
  std::chrono::milliseconds max_wait{500};
  const std::atomic<bool>* stop = nullptr;  // set from a signal handler to stop between fetches
};

// Called per record; return false to stop reading.
using RecordSink = std::function<bool(std::int32_t partition, const protocol::records::RecordView& record)>;

struct ReadResult {
  std::error_code error;
  std::string detail;       // a sentence for the user when error is set
  std::uint64_t records = 0;
  bool reached_end = false;  // every partition was read to its end (-e)
};

asio::awaitable<ReadResult> read_topic(BrokerSession& session, ReadSpec spec, RecordSink sink);

}  // namespace kwire::tool
