// The record accumulator: per topic-partition queues of ProducerBatches. User
// threads append records (each encoded once into the partition's open batch);
// the sender's io thread asks which brokers have sendable data (ready), takes
// batches out per broker (drain), puts failed ones back in order (reenqueue)
// and fails everything at close (abort_all).
//
// Threads: append/append_batch/flush waits from any user thread; ready, drain,
// reenqueue, take_expired, abort_all, next_wakeup from the io thread (they are
// also safe from any thread). One mutex per partition queue, taken when a
// batch rotates (a new one is queued), not per record: a record goes into its
// thread's open batch through that batch's OpenBatchSlot (open_batch_slot.hpp),
// and the io thread claims an open batch back under the lock before it reads
// or sends it. The topic and partition tables only grow and are read without
// a lock (grow_only_tables.hpp).
//
// A batch is ready when: it is full (or a sealed batch is queued behind it:
// a batch another thread still fills is no reason), its linger.ms elapsed, a flush is in progress, memory is short (someone waits in
// the BufferPool), or the producer is closing; and not while in retry backoff.
//
// How the sender uses it:
// - set_wakeup(f): f is called (from any thread) when something may have
//   become ready sooner than the parked sender's timer: post to the
//   io_context and poke the sender's timer.
// - The wake-up hand-off (issue 15, direction 3): the sender is woken only
//   while it is parked, at most once per park. Before a round it reads
//   events(); after the round, before it waits, park(until, seen) publishes
//   that it sleeps until `until`. Every event that may make a batch ready (a
//   new or full batch, a flush, close, a retry, memory waiters) counts in
//   events_ first and then looks at the parked deadline: nobody parked (the
//   sender is busy and will see the batch in its next round) or a deadline
//   before the batch can be ready (the timer covers it) means no wake-up;
//   otherwise the one appender that takes the parked flag back calls f.
//   Both sides use sequentially consistent operations (store, then load the
//   other side's variable), so either park() sees the new event and the
//   sender goes round again, or the appender sees the park and wakes it:
//   no wake-up is lost, and an appender that only adds a record to an open
//   batch touches neither variable.
// - LeaderLookup comes from the metadata cache; nullopt = leader unknown.
// - drain()'s filter lets the sender skip partitions that are muted or at their
//   in-flight limit, or whose batch cannot get a sequence yet; its stamp gives
//   each taken batch its producer id, epoch and base sequence before the seal.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "kwire/producer_config.hpp"
#include "kwire/record.hpp"
#include "producer/accumulator/buffer_pool.hpp"
#include "producer/accumulator/open_batch_slot.hpp"
#include "producer/accumulator/producer_batch.hpp"
#include "producer/accumulator/record_count_bound.hpp"
#include "producer/accumulator/send_deadline.hpp"
#include "producer/delivery/delivery_report.hpp"
#include "producer/grow_only_tables.hpp"

namespace kwire::detail {

struct AccumulatorOptions {
  std::size_t batch_size = 16384;
  std::chrono::milliseconds linger{5};
  std::chrono::milliseconds delivery_timeout{120000};
  std::size_t max_request_size = 1048576;
  std::size_t buffer_memory = 32 * 1024 * 1024;
  std::size_t max_records = 0;  // queue.buffering.max.messages; 0 = no bound
  bool block_when_full = true;  // false in manual-poll mode: queue_full at once
  CompressionType compression = CompressionType::none;
  std::optional<int> compression_level;
  std::size_t copy_max_bytes = 65535;  // message.copy.max.bytes: larger borrowed values are referenced

  static AccumulatorOptions from(const ProducerConfig& config);
};

class RecordAccumulator final : public BatchCompletionSink {
 public:
  using Clock = std::chrono::steady_clock;
  using LeaderLookup = std::function<std::optional<std::int32_t>(std::string_view topic, std::int32_t partition)>;
  using BatchFilter = std::function<bool(const ProducerBatch& first_in_partition)>;
  // Writes the producer id, epoch and base sequence into a drained batch
  // before it is sealed, so its CRC is computed once.
  using BatchStamp = std::function<void(ProducerBatch& drained)>;

  RecordAccumulator(const AccumulatorOptions& options, DeliveryDispatcher& dispatcher);
  ~RecordAccumulator();  // aborts whatever is left with errc::producer_closed

  // ---- user threads ----
  struct AppendResult {
    std::error_code error;     // entry untouched when set
    std::size_t appended_bytes = 0;  // growth of the batch
    bool new_batch = false;
    // A sticky append that brought the count of sticky bytes (the
    // partition's, per thread stripe) to batch.size (the count starts
    // again): the partitioner moves on.
    bool sticky_switch = false;
  };
  // Appends one record to the thread's open batch of the partition (a new one when it is
  // full), waiting for buffer.memory and a record slot until `deadline` when
  // blocking is on (`block`, or the producer's default when unset).
  AppendResult append(std::string_view topic, std::int32_t partition, std::int64_t timestamp_ms,
                      std::optional<Bytes> key, std::optional<Bytes> value,
                      std::span<const Header> headers, DeliveryEntry& entry, Clock::time_point deadline,
                      std::optional<bool> block = std::nullopt);
  // A topic's partition queues, found once (the producer keeps the reference
  // in its per-topic handle: one topic lookup per send, not one per table).
  // Stable for the accumulator's life.
  struct TopicQueues;
  TopicQueues& topic_queues(std::string_view topic);
  // The send path's append (ProducerImpl::enqueue), into queues found by
  // topic_queues(): no name lookup, no clock read unless it must wait, and
  // the report's entry built in place in the batch from `handler` (moved out
  // on success only), `user_id` and, when `value_borrowed`, the value.
  // `sticky`: the partitioner's sticky choice; its bytes count toward the
  // partition's switch (AppendResult::sticky_switch), counted inside the
  // slot the append holds anyway.
  // Inline, so the common case (a free record slot, the partition known,
  // room in the thread's open batch) is one call from the send down to the
  // batch builder; everything else is append_slow().
  AppendResult append(TopicQueues& queues, std::int32_t partition, const RecordParts& record,
                      DeliveryHandler& handler, std::uint64_t user_id, bool value_borrowed, bool sticky,
                      const SendDeadline& deadline, std::optional<bool> block = std::nullopt) {
    if (!closed() && records_.try_acquire()) {
      if (PartitionQueue* q = queues.partitions.find(static_cast<std::size_t>(partition))) {
        OpenBatchSlot& slot = q->open[OpenBatchSlot::this_thread_stripe()];
        if (ProducerBatch* open = slot.try_enter()) {
          AppendResult result;
          if (append_to_open(slot, *open, record, handler, user_id, value_borrowed, sticky, result)) return result;
        }
      }
      return append_slow(queues, partition, record, handler, user_id, value_borrowed, sticky, deadline, block, true);
    }
    return append_slow(queues, partition, record, handler, user_id, value_borrowed, sticky, deadline, block, false);
  }

  // Direct batch control: memory for a user-built batch (create_batch()).
  std::error_code reserve_memory(std::size_t bytes, Clock::time_point deadline);
  void release_memory(std::size_t bytes) noexcept;
  std::vector<std::uint8_t> take_buffer(std::size_t reserved);
  // Queues a finished user batch behind the partition's existing batches (the
  // open one is closed first, so order is kept). Takes ownership.
  void enqueue_batch(BatchPtr batch);
  // Makes a batch owned by this accumulator (memory and reports). flush()
  // waits for it once it is tracked: at once, or for a user's batch when
  // enqueue_batch() queues it.
  BatchPtr make_batch(std::string topic, std::int32_t partition, std::vector<std::uint8_t> buffer,
                      std::size_t reserved_bytes, std::size_t size_limit, bool track_for_flush);

  // A flush: everything appended before the call becomes ready at once, and
  // done() runs once those batches' reports fired: on the thread that
  // completed the last of them, or in start_flush() when none is left.
  // Returns the flush's id for cancel_flush(). Does not block.
  using FlushDone = std::function<void()>;
  std::uint64_t start_flush(FlushDone done);
  // Withdraws a flush still waiting (done() will not run): true. False when
  // done() ran or is running.
  bool cancel_flush(std::uint64_t id);
  // start_flush() waited for until `deadline` (then withdrawn). False on timeout.
  bool flush(Clock::time_point deadline);
  // Stop accepting appends; everything left is ready.
  void close();
  bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }

  // ---- io thread (the sender) ----
  struct ReadyCheck {
    std::vector<std::int32_t> ready_nodes;              // leaders with something to send now
    std::vector<std::int32_t> lingering_nodes;          // leaders whose first batch waits for its linger
    std::optional<Clock::time_point> next_check;        // earliest linger/backoff expiry
    std::vector<std::string> unknown_leader_topics;     // refresh metadata for these
  };
  ReadyCheck ready(const LeaderLookup& leader_of, Clock::time_point now);

  // Per ready node: at most one batch per partition (its first), in partition
  // rotation, up to max_request_size bytes (one batch always goes). Drained
  // batches are stamped, then closed (compressed, CRC set) and owned by the caller.
  std::map<std::int32_t, std::vector<BatchPtr>> drain(const LeaderLookup& leader_of,
                                                       std::span<const std::int32_t> nodes,
                                                       std::size_t max_request_size, const BatchFilter& can_send,
                                                       Clock::time_point now, const BatchStamp& stamp = {});

  // A retried batch goes back in front of newer ones; among retried batches of
  // a partition, ordered by base sequence when they have one.
  void reenqueue(BatchPtr batch);

  // A closed batch of several records the broker refused as too large
  // (MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE): its records, decoded from the
  // closed bytes, re-encoded into open batches of at most half its size with
  // their timestamps, keys, values, headers and delivery entries (the refused
  // batch keeps none, and its buffer.memory reservation moves to the first
  // part). The parts keep its creation time and count as one more attempt;
  // the caller completes the refused batch (it reports nothing) and queues
  // the parts with reenqueue_split(). Empty when it cannot be split.
  std::vector<BatchPtr> split_batch(ProducerBatch& refused);
  // Queues split parts, in order, where reenqueue() would put the first.
  void reenqueue_split(std::vector<BatchPtr> parts);

  // Batches still queued here whose delivery deadline passed; the caller
  // completes them (errc::delivery_timeout) after any sequence bookkeeping.
  std::vector<BatchPtr> take_expired(Clock::time_point now);

  // Completes every queued batch with `error` (close, fatal errors).
  void abort_all(std::error_code error);
  // Removes every queued batch (new or waiting for a retry) and hands it over.
  std::vector<BatchPtr> take_all();
  // Removes the queued batches `take` picks (Producer::purge) and hands them over.
  std::vector<BatchPtr> take_matching(const std::function<bool(const ProducerBatch&)>& take);

  bool has_queued();                // any batch still queued here
  // Producer::metrics: records in the batches queued per partition (any
  // thread; takes each partition's lock once). Partitions with none are skipped.
  void count_queued(const std::function<void(std::string_view topic, std::int32_t partition, std::size_t records)>& add);
  std::size_t incomplete() const;   // batches created and not yet reported
  bool flush_in_progress() const noexcept { return flushes_.load(std::memory_order_acquire) > 0; }
  void set_wakeup(std::function<void()> wakeup);
  // Something outside the accumulator lets a queued batch go sooner (a
  // partition added to the transaction, a producer id from the coordinator):
  // the same hand-off as an append's (any thread).
  void wake_sender() noexcept { notify(); }

  // The sender's side of the wake-up hand-off (see the top of this file).
  // events(): read before a round's ready(). park(): false when an event came
  // since `seen` and nobody else woke the sender: go round again instead of
  // waiting. unpark(): the sender runs again (timer fired or woken).
  std::uint64_t events() const noexcept { return events_.load(std::memory_order_seq_cst); }
  bool park(Clock::time_point until, std::uint64_t seen) noexcept;
  void unpark() noexcept { parked_until_.store(kNotParked, std::memory_order_seq_cst); }

  BufferPool& pool() noexcept { return pool_; }
  RecordCountBound& record_bound() noexcept { return records_; }
  const AccumulatorOptions& options() const noexcept { return options_; }

  // BatchCompletionSink
  void batch_completed(ProducerBatch& batch, BatchReports&& reports) noexcept override;

 private:
  struct PartitionQueue {
    // Open batches, one per thread stripe; each is also in `batches`.
    std::array<OpenBatchSlot, OpenBatchSlot::kStripes> open;
    std::mutex mu;
    std::deque<BatchPtr> batches;  // front = oldest; open ones anywhere, in creation order
  };

 public:
  struct TopicQueues {
    std::string name;
    GrowOnlyArray<PartitionQueue> partitions;
  };

 private:

  // No lock: the tables are read from their published snapshots.
  PartitionQueue& queue_for(std::string_view topic, std::int32_t partition);
  // The record into `open`, the batch the caller entered through `slot`,
  // and out of the gate again (open if it has room left, sealed when full).
  // False when the record did not fit: the batch is sealed, the caller makes
  // a new one.
  bool append_to_open(OpenBatchSlot& slot, ProducerBatch& open, const RecordParts& record,
                      DeliveryHandler& handler, std::uint64_t user_id, bool value_borrowed, bool sticky,
                      AppendResult& result) {
    const std::size_t bytes = open.try_append(record, handler, user_id, value_borrowed);
    if (bytes == 0) {
      // No room (the batch marked itself full): it stays queued, sealed,
      // and is ready now.
      slot.leave(false);
      notify();
      return false;
    }
    result.appended_bytes = bytes;
    if (sticky) count_sticky(slot, bytes, result);
    const bool full = open.is_full();
    slot.leave(!full);
    if (full) notify();
    return true;
  }
  // append() past its common case: the record slot (unless `counted`: the
  // caller holds one already), a new partition, a new batch.
  AppendResult append_slow(TopicQueues& queues, std::int32_t partition, const RecordParts& record,
                           DeliveryHandler& handler, std::uint64_t user_id, bool value_borrowed, bool sticky,
                           const SendDeadline& deadline, std::optional<bool> block, bool counted);
  // append() when the stripe's open batch had no room: a new batch (the record holds its slot).
  AppendResult append_to_new(TopicQueues& queues, std::int32_t partition, PartitionQueue& q, OpenBatchSlot& slot,
                             const RecordParts& record, DeliveryHandler& handler, std::uint64_t user_id,
                             bool value_borrowed, bool sticky, const SendDeadline& deadline, bool block);
  // A sticky append's bytes toward the switch, counted per stripe (by the
  // gate's holder, or under q.mu while the slot is empty).
  void count_sticky(OpenBatchSlot& slot, std::size_t bytes, AppendResult& result) noexcept {
    slot.sticky_bytes += bytes;
    if (slot.sticky_bytes < options_.batch_size) return;
    slot.sticky_bytes = 0;
    result.sticky_switch = true;
  }
  // Under q.mu: `batch` (one of q's) takes no more appends and is marked full;
  // its building state is the caller's to read.
  static void seal(PartitionQueue& q, ProducerBatch& batch) noexcept;
  // Under q.mu: every open batch of q sealed.
  static void seal_all(PartitionQueue& q) noexcept;
  // Under q.mu: `batch`'s record count, also while some thread fills it.
  static std::int32_t record_count_of(PartitionQueue& q, const ProducerBatch& batch) noexcept;
  // Under q.mu: whether `batch` still takes appends (some thread's open batch).
  static bool is_open(const PartitionQueue& q, const ProducerBatch& batch) noexcept;
  // Calls f(topic, partition, queue) for every queue; f locks the queue itself.
  template <typename F>
  void for_each_queue(F&& f) {
    topics_.for_each([&](std::string_view name, TopicQueues& tq) {
      tq.partitions.for_each(
          [&](std::size_t p, PartitionQueue& q) { f(name, static_cast<std::int32_t>(p), q); });
    });
  }
  // Something may be ready by `ready_by` (now: at once): wake the sender if
  // it is parked past that.
  void notify(Clock::time_point ready_by = Clock::time_point::min()) noexcept;
  // Queues batches of one partition (retried, or the parts of a split one),
  // in order, ahead of new batches and of retried ones with later sequences.
  void requeue_in_order(std::span<BatchPtr> batches);

  const AccumulatorOptions options_;
  DeliveryDispatcher& dispatcher_;
  BufferPool pool_;
  RecordCountBound records_;

  GrowOnlyTopicMap<TopicQueues> topics_;

  std::atomic<bool> closed_{false};
  std::atomic<int> flushes_{0};
  // The wake-up hand-off: events that may make a batch ready, and the parked
  // sender's deadline (steady_clock ticks; kNotParked while it runs).
  static constexpr Clock::rep kNotParked = 0;
  std::atomic<std::uint64_t> events_{0};
  std::atomic<Clock::rep> parked_until_{kNotParked};
  // take_expired() scans every queued batch; it does so only once the
  // earliest deadline it could find has come (steady_clock ticks). A scan
  // per sender round made the sender quadratic in the number of queued
  // batches (17 % of the producer's CPU with 16 KiB batches).
  std::atomic<Clock::rep> expiry_check_at_{0};
  void check_expiry_by(Clock::time_point deadline) noexcept;
  std::function<void()> wakeup_;
  std::mutex wakeup_mu_;

  // Incomplete batches by creation order, and the flushes waiting for them.
  struct FlushWaiter {
    std::uint64_t id;
    std::uint64_t target;  // done once no batch created before it is incomplete
    FlushDone done;
  };
  // Under incomplete_mu_: the waiters whose batches are all reported now.
  std::vector<FlushDone> take_finished_flushes_locked();
  mutable std::mutex incomplete_mu_;
  // creation_order -> batches not yet reported (the parts of a split batch
  // share the refused batch's number, so a flush waits for all of them).
  std::map<std::uint64_t, int> incomplete_;
  std::uint64_t next_creation_order_ = 0;
  std::vector<FlushWaiter> flush_waiters_;
  std::uint64_t next_flush_id_ = 0;

  std::size_t drain_rotation_ = 0;
};

}  // namespace kwire::detail
