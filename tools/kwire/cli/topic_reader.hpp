// Reads one topic for `kwire consume` and `kwire demo` with kwire::Consumer
// (assign, no group): every partition or one, from a kcat-style start offset,
// optionally until each partition's end as of the start. The consumer's
// properties come from consumer_properties(). Runs on the calling thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <system_error>

#include "cli/args.hpp"
#include "kwire/consumer.hpp"

namespace kwire::tool {

struct StartOffset {
  enum class Kind { beginning, end, absolute, from_end } kind = Kind::end;
  std::int64_t value = 0;  // absolute offset, or how many before the end
};

// Parses kcat's -o forms: beginning | end | N | -N (N before the end).
std::optional<StartOffset> parse_start_offset(const std::string& text);

// Consumer properties for a tool command: bootstrap.servers, bounded
// timeouts, auto.offset.reset=earliest (a start deleted by retention moves to
// the log start), then the -X properties. With `known_only`, -X keys the
// consumer does not know are left out (the demo's -X also configure its
// producer) instead of being refused. False with `why` for a malformed -X.
bool consumer_properties(const ParsedArgs& args, const std::string& bootstrap, bool known_only,
                         kwire::Properties& out, std::string& why);

struct ReadSpec {
  std::string topic;
  std::optional<std::int32_t> partition;  // nullopt = every partition
  StartOffset start;
  bool exit_at_end = false;  // -e: stop once every partition is read to its end (the end when reading began)
  std::chrono::milliseconds metadata_wait{5000};  // for the topic's partitions and offsets
  const std::atomic<bool>* stop = nullptr;        // set from a signal handler to stop between polls
};

// Called per record; return false to stop reading.
using RecordSink = std::function<bool(const kwire::ConsumerRecord& record)>;

struct ReadResult {
  std::error_code error;
  std::string detail;  // a sentence for the user when error is set
  std::uint64_t records = 0;
  bool reached_end = false;  // every partition was read to its end (-e)
};

ReadResult read_topic(kwire::Consumer& consumer, const ReadSpec& spec, const RecordSink& sink);

}  // namespace kwire::tool
