// The producer a `kwire perf produce` run drives: kwire's own, or librdkafka's
// C API for the A/B comparison. Both are driven by the same loop and report
// deliveries to the same PerfStats, so the numbers are comparable.
// send() and service() are called from the perf loop's sending threads (one
// or several at once: both producers are thread-safe), flush() from the
// thread that started the run once they are done; deliveries may be reported
// from the client's own threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kwire/protocol/wire/bytes.hpp"
#include "perf/perf_stats.hpp"

namespace kwire::tool {

struct PerfSettings {
  std::string client = "kwire";  // kwire | librdkafka
  std::string bootstrap;
  std::string topic;
  std::int32_t partition = -1;  // -1: let the partitioner choose
  std::uint64_t count = 0;
  std::size_t size = 100;
  double rate = 0;  // records/s in total, 0 = as fast as possible
  int threads = 1;  // application threads calling send(), each with its share of count and rate
  // Every sample_every-th record (by index, the same for every client) is
  // timed from send to delivery report; the others are only counted.
  std::uint64_t sample_every = 1;
  std::vector<std::pair<std::string, std::string>> properties;  // -X, Java property names
  bool json = false;
};

enum class SendStatus { queued, queue_full, failed };

class PerfClient {
 public:
  virtual ~PerfClient() = default;
  virtual std::string name() const = 0;
  // Queues one record (value copied or kept alive by the client). The
  // delivery report must reach stats.delivered(sent_ns, error); sent_ns 0
  // means the record is not timed, only counted.
  virtual SendStatus send(kwire::protocol::Bytes value, std::uint64_t sent_ns, std::string& error) = 0;
  // Lets the client make progress (librdkafka serves delivery reports here).
  virtual void service(std::chrono::milliseconds wait) = 0;
  // Waits until every queued record has a delivery report; false on timeout.
  virtual bool flush(std::chrono::milliseconds timeout) = 0;
  // The settings the client really runs with after its own defaults and
  // adjustments (idempotence caps, aliases), "name=value, ...", so an A/B run
  // can show that both sides were configured alike.
  virtual std::string effective_config() const = 0;
  // The client's own statistics as one JSON object (kwire: to_json of
  // Producer::metrics()), or "" when it has none to give.
  virtual std::string metrics_json() { return {}; }
};

// Creates the client named by settings.client; nullptr with `error` when that
// client is unknown, not built in, or rejects a property.
std::unique_ptr<PerfClient> make_perf_client(const PerfSettings& settings, PerfStats& stats, std::string& error);

// The clients themselves (one file each).
std::unique_ptr<PerfClient> make_kwire_perf_client(const PerfSettings& settings, PerfStats& stats, std::string& error);
std::unique_ptr<PerfClient> make_rdkafka_perf_client(const PerfSettings& settings, PerfStats& stats,
                                                     std::string& error);

}  // namespace kwire::tool
