// Delivery reports: the per-record entries a batch carries, the reports of a
// finished batch, and the dispatcher that runs them on the producer's io
// thread (default) or queues them for Producer::poll_events() on the caller's
// thread (enable.manual.events.poll=true).
// Threads: DeliveryDispatcher::dispatch from any thread (in practice the io
// thread, or a user thread for batches aborted at close); poll from user threads.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "kwire/delivery_handler.hpp"
#include "kwire/record.hpp"

namespace kwire::detail {

class ProduceStats;

// One report to fire: stored in a vector reserved per batch, so appending a
// record allocates nothing (the handler has inline storage).
struct DeliveryEntry {
  // Not an aggregate on purpose: entries_.emplace_back() would zero all 128
  // bytes first (value-initialisation), the handler's unused storage too,
  // once per record.
  DeliveryEntry() noexcept {}
  DeliveryHandler handler;               // may be empty: nobody wants this record's report
  std::uint64_t user_id = 0;
  std::int64_t timestamp_ms = -1;        // the CreateTime the record was written with
  std::int32_t offset_delta = 0;         // the record's index in its batch
  std::optional<Bytes> borrowed_value;   // ValueOwnership::borrow: handed back in the report
};

// A record-level error from Produce v8+ (RecordErrors), by index in the batch.
struct RecordError {
  std::int32_t batch_index = 0;
  std::error_code error;
};

// Everything needed to fire one finished batch's reports; movable, so the
// manual-poll queue holds whole batches rather than one node per record.
struct BatchReports {
  std::string topic;
  std::int32_t partition = -1;
  std::int64_t base_offset = -1;
  std::int64_t log_append_time_ms = -1;  // -1 = CreateTime
  std::error_code error;                 // for every record not in record_errors
  DeliveryOutcome outcome = DeliveryOutcome::delivered;  // of failed records
  std::vector<RecordError> record_errors;
  std::vector<DeliveryEntry> entries;
  std::chrono::steady_clock::time_point created{};  // the batch's creation (Producer::metrics' latency)

  // Fires every entry's handler exactly once (handlers empty themselves).
  void fire();
};

class DeliveryDispatcher {
 public:
  explicit DeliveryDispatcher(bool manual_poll) : manual_poll_(manual_poll) {}

  bool manual_poll() const noexcept { return manual_poll_; }
  // Runs the reports now, or queues them for poll().
  void dispatch(BatchReports&& reports);
  // Manual mode: fires queued reports on the calling thread, waiting up to
  // `timeout` for the first one. Returns the number of records reported.
  std::size_t poll(std::chrono::milliseconds timeout);
  // Manual mode: fires queued reports on the calling thread until `done()`
  // holds (send_and_wait: its own report fired, here or in another thread's
  // poll, which then calls wake_pollers()). Waits on events, not in slices.
  void poll_until(const std::function<bool()>& done);
  void wake_pollers();
  std::size_t queued_batches() const;
  // Producer::metrics: per-partition counts and latency, per dispatched batch.
  // Set before any dispatch; outlives the dispatcher's use.
  void count_into(ProduceStats* stats) noexcept { stats_ = stats; }
  // Records reported so far, when their batch was dispatched (Producer::metrics).
  std::uint64_t records_delivered() const noexcept { return delivered_.load(std::memory_order_relaxed); }
  std::uint64_t records_failed() const noexcept { return failed_.load(std::memory_order_relaxed); }

 private:
  const bool manual_poll_;
  ProduceStats* stats_ = nullptr;
  // Per batch, not per record: two relaxed adds (issue 14, metrics()).
  std::atomic<std::uint64_t> delivered_{0};
  std::atomic<std::uint64_t> failed_{0};
  static std::size_t fire(std::deque<BatchReports>& ready);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<BatchReports> queue_;
};

}  // namespace kwire::detail
