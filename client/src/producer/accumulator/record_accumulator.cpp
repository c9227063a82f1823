// The record accumulator's user-thread side: appends, memory, flush and close
// (see record_accumulator.hpp). The io-thread side is in
// record_accumulator_drain.cpp.
#include "producer/accumulator/record_accumulator.hpp"

#include <algorithm>

#include "kwire/errors.hpp"

namespace kwire::detail {

AccumulatorOptions AccumulatorOptions::from(const ProducerConfig& c) {
  AccumulatorOptions o;
  o.batch_size = static_cast<std::size_t>(std::max<std::int32_t>(c.batch_size, 1));
  o.linger = c.linger;
  o.delivery_timeout = c.delivery_timeout;
  o.max_request_size = static_cast<std::size_t>(c.max_request_size);
  o.buffer_memory = static_cast<std::size_t>(c.buffer_memory);
  o.max_records = static_cast<std::size_t>(std::max<std::int32_t>(c.buffer_max_records, 0));
  o.block_when_full = !c.enable_manual_events_poll;
  o.compression = c.compression_type;
  o.compression_level = c.compression_level;
  o.copy_max_bytes = static_cast<std::size_t>(std::max<std::int32_t>(c.message_copy_max_bytes, 0));
  return o;
}

RecordAccumulator::RecordAccumulator(const AccumulatorOptions& options, DeliveryDispatcher& dispatcher)
    : options_(options),
      dispatcher_(dispatcher),
      pool_(options.buffer_memory, options.batch_size),
      records_(options.max_records) {
  // Someone waiting for memory or a record slot makes every batch ready; tell the sender.
  pool_.set_wait_hook([this] { notify(); });
  records_.set_wait_hook([this] { notify(); });
}

RecordAccumulator::~RecordAccumulator() {
  closed_.store(true, std::memory_order_release);
  abort_all(errc::producer_closed);
}

RecordAccumulator::TopicQueues& RecordAccumulator::topic_queues(std::string_view topic) {
  return topics_.find_or_add(topic, [topic] {
    auto made = std::make_unique<TopicQueues>();
    made->name = std::string(topic);
    return made;
  });
}

RecordAccumulator::PartitionQueue& RecordAccumulator::queue_for(std::string_view topic, std::int32_t partition) {
  return topic_queues(topic).partitions.get_or_grow(static_cast<std::size_t>(partition));
}

BatchPtr RecordAccumulator::make_batch(std::string topic, std::int32_t partition, std::vector<std::uint8_t> buffer,
                                       std::size_t reserved_bytes, std::size_t size_limit, bool track_for_flush) {
  ProducerBatch::Options o;
  o.size_limit = size_limit;
  o.reserved_bytes = reserved_bytes;
  o.created = Clock::now();
  o.delivery_timeout = options_.delivery_timeout;
  o.expected_records = std::clamp<std::size_t>(size_limit / 64, 1, 1024);
  o.copy_max_bytes = options_.copy_max_bytes;
  {
    std::lock_guard lock(incomplete_mu_);
    o.creation_order = next_creation_order_++;
    if (track_for_flush) incomplete_.emplace(o.creation_order, 1);
  }
  return std::make_unique<ProducerBatch>(std::move(topic), partition, std::move(buffer), o, this);
}

RecordAccumulator::AppendResult RecordAccumulator::append(std::string_view topic, std::int32_t partition,
                                                          std::int64_t timestamp_ms, std::optional<Bytes> key,
                                                          std::optional<Bytes> value, std::span<const Header> headers,
                                                          DeliveryEntry& entry, Clock::time_point deadline,
                                                          std::optional<bool> block) {
  // The entry's parts go into the batch's own entry; only its handler moves,
  // and only on success, so a failed append leaves `entry` as it was.
  const RecordParts record{timestamp_ms, key, value, headers};
  return append(topic_queues(topic), partition, record, entry.handler, entry.user_id,
                entry.borrowed_value.has_value(), false, SendDeadline::at(deadline), block);
}

RecordAccumulator::AppendResult RecordAccumulator::append_slow(TopicQueues& queues, std::int32_t partition,
                                                               const RecordParts& record, DeliveryHandler& handler,
                                                               std::uint64_t user_id, bool value_borrowed,
                                                               bool sticky, const SendDeadline& deadline,
                                                               std::optional<bool> block, bool counted) {
  AppendResult result;
  if (closed()) {
    if (counted) records_.release(1);
    result.error = errc::producer_closed;
    return result;
  }
  const bool may_block = block.value_or(options_.block_when_full);
  // The record's slot, given back by batch_completed() with its report, or
  // below when the append fails.
  if (!counted && !records_.try_acquire()) {
    if (std::error_code ec = records_.acquire(may_block, deadline.get())) {
      result.error = ec;
      return result;
    }
  }
  PartitionQueue& q = queues.partitions.get_or_grow(static_cast<std::size_t>(partition));
  OpenBatchSlot& slot = q.open[OpenBatchSlot::this_thread_stripe()];
  if (ProducerBatch* open = slot.try_enter()) {
    if (append_to_open(slot, *open, record, handler, user_id, value_borrowed, sticky, result)) return result;
  }
  result = append_to_new(queues, partition, q, slot, record, handler, user_id, value_borrowed, sticky, deadline,
                         may_block);
  if (result.error) records_.release(1);
  return result;
}

RecordAccumulator::AppendResult RecordAccumulator::append_to_new(TopicQueues& queues, std::int32_t partition,
                                                                 PartitionQueue& q, OpenBatchSlot& slot,
                                                                 const RecordParts& record, DeliveryHandler& handler,
                                                                 std::uint64_t user_id, bool value_borrowed,
                                                                 bool sticky, const SendDeadline& deadline,
                                                                 bool block) {
  AppendResult result;
  // A new batch: reserve its memory without holding the partition lock, so the
  // sender can keep draining (and freeing memory) while we wait.
  // A referenced (borrowed, large) value stays in the caller's memory: only
  // its framing needs room in the batch buffer.
  std::size_t key_len = record.key ? record.key->size() : 0;
  std::size_t value_len = record.value ? record.value->size() : 0;
  if (value_len > options_.copy_max_bytes && value_borrowed) value_len = 0;
  std::size_t record_bound =
      protocol::records::BatchBuilder::record_size_upper_bound(key_len, value_len, record.headers);
  std::size_t need = std::max(options_.batch_size, record_bound + protocol::records::BatchBuilder::overhead_bytes);
  if (std::error_code ec = pool_.reserve(need, block, deadline.get())) {
    result.error = ec;
    return result;
  }
  std::vector<std::uint8_t> buffer = pool_.take_buffer(need);

  std::lock_guard lock(q.mu);
  if (closed()) {
    pool_.release(need);
    result.error = errc::producer_closed;
    return result;
  }
  // Another thread of this stripe may have queued a new batch while we waited.
  if (ProducerBatch* open = slot.enter_locked()) {
    if (append_to_open(slot, *open, record, handler, user_id, value_borrowed, sticky, result)) {
      pool_.recycle(std::move(buffer));
      pool_.release(need);
      return result;
    }
  }
  // The slot is empty, and stays so while we hold the lock.
  BatchPtr batch = make_batch(queues.name, partition, std::move(buffer), need, options_.batch_size, true);
  const std::size_t bytes = batch->try_append(record, handler, user_id, value_borrowed);
  if (bytes == 0) {
    // Only a record the encoder cannot represent at all gets here; the empty
    // batch reports nothing and gives its memory back on destruction.
    batch->complete(-1, -1, errc::record_too_large);
    result.error = errc::record_too_large;
    return result;
  }
  result.appended_bytes = bytes;
  result.new_batch = true;
  if (sticky) count_sticky(slot, bytes, result);
  // Alone in its queue the new batch is ready when its linger ends; behind
  // another one, the one in front may be ready now.
  Clock::time_point ready_by = batch->created() + options_.linger;
  if (!q.batches.empty() || batch->is_full()) ready_by = Clock::time_point::min();
  ProducerBatch* queued = batch.get();
  const bool full = batch->is_full();
  q.batches.push_back(std::move(batch));
  if (!full) slot.install(queued);
  notify(ready_by);
  return result;
}

void RecordAccumulator::seal(PartitionQueue& q, ProducerBatch& batch) noexcept {
  for (OpenBatchSlot& slot : q.open) {
    if (slot.claim(&batch)) break;
  }
  batch.mark_full();
}

void RecordAccumulator::seal_all(PartitionQueue& q) noexcept {
  for (OpenBatchSlot& slot : q.open) {
    if (ProducerBatch* b = slot.open_batch()) {
      slot.claim(b);
      b->mark_full();
    }
  }
}

bool RecordAccumulator::is_open(const PartitionQueue& q, const ProducerBatch& batch) noexcept {
  for (const OpenBatchSlot& slot : q.open) {
    if (slot.holds_open(&batch)) return true;
  }
  return false;
}

std::error_code RecordAccumulator::reserve_memory(std::size_t bytes, Clock::time_point deadline) {
  if (closed()) return errc::producer_closed;
  return pool_.reserve(bytes, options_.block_when_full, deadline);
}

void RecordAccumulator::release_memory(std::size_t bytes) noexcept { pool_.release(bytes); }

std::vector<std::uint8_t> RecordAccumulator::take_buffer(std::size_t reserved) { return pool_.take_buffer(reserved); }

void RecordAccumulator::enqueue_batch(BatchPtr batch) {
  if (closed()) {
    batch->complete(-1, -1, errc::producer_closed);
    return;
  }
  {
    std::lock_guard lock(incomplete_mu_);
    incomplete_.emplace(batch->creation_order(), 1);
  }
  PartitionQueue& q = queue_for(batch->topic(), batch->partition());
  batch->mark_full();  // nothing else may be appended to a user's batch
  batch->restart_clock(Clock::now());
  {
    std::lock_guard lock(q.mu);
    seal_all(q);  // the user's batch comes after every record appended before it
    q.batches.push_back(std::move(batch));
  }
  notify();
}

std::uint64_t RecordAccumulator::start_flush(FlushDone done) {
  // Counted from here until done or withdrawn: while a flush is in
  // progress, every queued batch is ready.
  flushes_.fetch_add(1, std::memory_order_acq_rel);
  FlushWaiter waiter{0, 0, std::move(done)};
  {
    std::lock_guard lock(incomplete_mu_);
    waiter.id = next_flush_id_++;
    waiter.target = next_creation_order_;
  }
  // Mark the open batches full, so appends after this flush start new
  // batches and the flush waits only for what came before it.
  for_each_queue([](std::string_view, std::int32_t, PartitionQueue& q) {
    std::lock_guard ql(q.mu);
    seal_all(q);
  });
  notify();
  const std::uint64_t id = waiter.id;
  std::vector<FlushDone> finished;
  {
    std::lock_guard lock(incomplete_mu_);
    flush_waiters_.push_back(std::move(waiter));
    finished = take_finished_flushes_locked();
  }
  for (FlushDone& d : finished) d();
  return id;
}

bool RecordAccumulator::cancel_flush(std::uint64_t id) {
  std::lock_guard lock(incomplete_mu_);
  auto it = std::find_if(flush_waiters_.begin(), flush_waiters_.end(),
                         [id](const FlushWaiter& w) { return w.id == id; });
  if (it == flush_waiters_.end()) return false;
  flush_waiters_.erase(it);
  flushes_.fetch_sub(1, std::memory_order_acq_rel);
  return true;
}

std::vector<RecordAccumulator::FlushDone> RecordAccumulator::take_finished_flushes_locked() {
  std::vector<FlushDone> finished;
  if (flush_waiters_.empty()) return finished;
  const std::uint64_t oldest = incomplete_.empty() ? next_creation_order_ : incomplete_.begin()->first;
  auto done = [oldest](const FlushWaiter& w) { return oldest >= w.target; };
  for (FlushWaiter& w : flush_waiters_) {
    if (done(w)) finished.push_back(std::move(w.done));
  }
  if (finished.empty()) return finished;
  std::erase_if(flush_waiters_, done);
  flushes_.fetch_sub(static_cast<int>(finished.size()), std::memory_order_acq_rel);
  return finished;
}

bool RecordAccumulator::flush(Clock::time_point deadline) {
  struct Outcome {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
  };
  auto outcome = std::make_shared<Outcome>();
  const std::uint64_t id = start_flush([outcome] {
    std::lock_guard lock(outcome->mu);
    outcome->done = true;
    outcome->cv.notify_all();
  });
  {
    std::unique_lock lock(outcome->mu);
    if (outcome->cv.wait_until(lock, deadline, [&] { return outcome->done; })) return true;
  }
  // Timed out, unless it finished just now.
  return !cancel_flush(id);
}

void RecordAccumulator::close() {
  closed_.store(true, std::memory_order_release);
  records_.close();
  notify();
}

std::size_t RecordAccumulator::incomplete() const {
  std::lock_guard lock(incomplete_mu_);
  return incomplete_.size();
}

void RecordAccumulator::set_wakeup(std::function<void()> wakeup) {
  std::lock_guard lock(wakeup_mu_);
  wakeup_ = std::move(wakeup);
}

void RecordAccumulator::notify(Clock::time_point ready_by) noexcept {
  // seq_cst: this increment and the load below pair with park()'s store and
  // load (see the top of record_accumulator.hpp).
  events_.fetch_add(1, std::memory_order_seq_cst);
  const Clock::rep parked = parked_until_.load(std::memory_order_seq_cst);
  if (parked == kNotParked) return;                           // busy: its next round sees this
  if (parked <= ready_by.time_since_epoch().count()) return;  // its timer comes first
  // Only the one that takes the flag back wakes it: one wake-up per park.
  if (parked_until_.exchange(kNotParked, std::memory_order_seq_cst) == kNotParked) return;
  std::lock_guard lock(wakeup_mu_);
  if (wakeup_) wakeup_();
}

bool RecordAccumulator::park(Clock::time_point until, std::uint64_t seen) noexcept {
  parked_until_.store(std::max<Clock::rep>(until.time_since_epoch().count(), kNotParked + 1),
                      std::memory_order_seq_cst);
  if (events_.load(std::memory_order_seq_cst) == seen) return true;
  // Something came since the round began. If we take the flag back, nobody
  // woke us: go round again. If an appender took it first, its wake-up is on
  // the way: wait for it.
  return parked_until_.exchange(kNotParked, std::memory_order_seq_cst) == kNotParked;
}

void RecordAccumulator::batch_completed(ProducerBatch& batch, BatchReports&& reports) noexcept {
  std::size_t reserved = batch.reserved_bytes();
  std::vector<std::uint8_t> buffer = batch.take_buffer();
  pool_.release(reserved);
  pool_.recycle(std::move(buffer));
  records_.release(batch.take_counted_records());
  // Reports fire before the batch stops counting as incomplete, so a flush
  // is done only after them.
  dispatcher_.dispatch(std::move(reports));
  std::vector<FlushDone> finished;
  {
    std::lock_guard lock(incomplete_mu_);
    auto it = incomplete_.find(batch.creation_order());
    if (it != incomplete_.end() && --it->second <= 0) incomplete_.erase(it);
    finished = take_finished_flushes_locked();
  }
  for (FlushDone& d : finished) d();
}

}  // namespace kwire::detail
