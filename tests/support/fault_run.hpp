// One run of the whole kwire::Producer against a TxnBroker cluster (3 nodes,
// several partitions, max.in.flight 5 by default) for the fault suite
// (tests/client/fault/): records whose key names an id, a recorder of their
// delivery reports (count, error, metadata), timed blocking calls, waits on
// the broker's counters, and at the end the log read back (through
// librdkafka, or the broker's own log under TSan: ReadBack) and judged by
// check_delivery_invariants().
// Threads: the test thread drives it; reports arrive on the producer's
// thread (the recorder locks).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include "delivery_invariants.hpp"
#include "kwire/producer.hpp"
#include "log_reader.hpp"
#include "txn_broker.hpp"

namespace kwire::test {

// Who reads the log back for the verdict. librdkafka is the independent
// reader; under ThreadSanitizer it cannot run (its threads are not
// instrumented), so those builds read the TxnBroker's own log (its records()
// accessor, the read_committed view built from its aborted index).
enum class ReadBack { librdkafka, broker_log };
#if defined(__SANITIZE_THREAD__)
inline constexpr ReadBack kDefaultReadBack = ReadBack::broker_log;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
inline constexpr ReadBack kDefaultReadBack = ReadBack::broker_log;
#else
inline constexpr ReadBack kDefaultReadBack = ReadBack::librdkafka;
#endif
#else
inline constexpr ReadBack kDefaultReadBack = ReadBack::librdkafka;
#endif

struct FaultRunOptions {
  int nodes = 3;
  int partitions = 6;
  std::string topic = "fault";
  std::optional<std::string> transactional_id;
  // Producer properties on top of the run's defaults (bootstrap, acks=all,
  // idempotence, 5 in flight, small batches, short backoffs and timeouts).
  Properties producer;
  // Value bytes per record (the key is "id-<n>").
  std::size_t value_size = 40;
  // Broker side (see TxnBrokerOptions).
  bool auto_create_topics = true;
  int socket_receive_buffer = 0;
  ReadBack read_back = kDefaultReadBack;
};

// A transactional run with a request timeout short enough for the
// transaction fault tests to time out requests on purpose.
inline FaultRunOptions transactional_run(const std::string& id) {
  FaultRunOptions o;
  o.transactional_id = id;
  o.producer = {{"request.timeout.ms", "1500"}};
  return o;
}

// The record ids first, first + 1, ..., first + count - 1.
inline std::set<std::uint64_t> id_range(std::uint64_t first, std::uint64_t count) {
  std::set<std::uint64_t> out;
  for (std::uint64_t id = first; id < first + count; ++id) out.insert(id);
  return out;
}

class FaultRun {
 public:
  using ms = std::chrono::milliseconds;

  explicit FaultRun(FaultRunOptions options = {});
  ~FaultRun();  // closes the producer (if still open) before the broker stops

  TxnBroker& broker() noexcept { return *broker_; }
  Producer& producer() noexcept { return *producer_; }
  const FaultRunOptions& options() const noexcept { return options_; }

  // Sends record `id` to `partition` (default: id % partitions) with a
  // counting callback. Returns send()'s error (then no report is expected).
  std::error_code send(std::uint64_t id, std::optional<std::int32_t> partition = std::nullopt);
  // Sends ids [first, first + count); every send must be accepted.
  void send_range(std::uint64_t first, std::uint64_t count);

  // Waits until `count` reports fired (any outcome); false at the timeout.
  bool wait_reports(std::size_t count, ms timeout);
  // Polls `done` (a broker counter, say) until true or the timeout.
  static bool wait_until(const std::function<bool()>& done, ms timeout);

  // Blocking calls, timed: how long they took.
  ms timed_flush(ms timeout, std::error_code& result);
  ms timed_close(ms timeout);
  ms timed(const std::function<void()>& call);

  std::map<std::uint64_t, DeliveryReport> reports() const;
  const std::vector<SentId>& sent() const noexcept { return sent_; }

  // Reads every partition back with librdkafka (read_uncommitted, and
  // read_committed too when options.committed is set) and checks the
  // invariants. Close the producer first.
  Verdict verdict(InvariantOptions options = {});

 private:
  std::vector<LoggedId> read_log(Isolation isolation);

  FaultRunOptions options_;
  std::unique_ptr<TxnBroker> broker_;
  std::unique_ptr<Producer> producer_;
  std::vector<SentId> sent_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::uint64_t, DeliveryReport> reports_;
  std::size_t fired_ = 0;
  bool closed_ = false;
};

}  // namespace kwire::test
