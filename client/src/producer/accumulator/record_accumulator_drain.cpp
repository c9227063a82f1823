// The record accumulator's io-thread side: which brokers have sendable data,
// draining per broker, retries back in order, expiry and abort (see
// record_accumulator.hpp).
#include "producer/accumulator/record_accumulator.hpp"

#include <algorithm>

#include "kwire/errors.hpp"

namespace kwire::detail {

RecordAccumulator::ReadyCheck RecordAccumulator::ready(const LeaderLookup& leader_of, Clock::time_point now) {
  ReadyCheck out;
  const bool everything = pool_.waiters() > 0 || records_.waiters() > 0 || closed() || flush_in_progress();
  auto earlier = [&](Clock::time_point t) {
    if (!out.next_check || t < *out.next_check) out.next_check = t;
  };
  for_each_queue([&](std::string_view topic, std::int32_t partition, PartitionQueue& q) {
    std::lock_guard lock(q.mu);
    if (q.batches.empty()) return;
    const ProducerBatch& first = *q.batches.front();
    earlier(first.delivery_deadline());
    std::optional<std::int32_t> leader = leader_of(topic, partition);
    if (!leader) {
      if (std::find(out.unknown_leader_topics.begin(), out.unknown_leader_topics.end(), topic) ==
          out.unknown_leader_topics.end()) {
        out.unknown_leader_topics.emplace_back(topic);
      }
      return;
    }
    if (first.in_retry() && first.retry_not_before() > now) {
      earlier(first.retry_not_before());
      return;
    }
    // A batch some thread still fills waits for its linger (or for a sealed
    // batch queued behind it); its building state is not ours to read.
    bool full = false;
    if (is_open(q, first)) {
      std::size_t open_count = 0;
      for (const OpenBatchSlot& slot : q.open) open_count += slot.open_batch() != nullptr ? 1 : 0;
      full = q.batches.size() > open_count;
    } else {
      full = q.batches.size() > 1 || first.is_full();
    }
    const auto linger_end = first.created() + options_.linger;
    const bool sendable = full || everything || first.in_retry() || now >= linger_end;
    if (!sendable) {
      earlier(linger_end);
      if (std::find(out.lingering_nodes.begin(), out.lingering_nodes.end(), *leader) == out.lingering_nodes.end()) {
        out.lingering_nodes.push_back(*leader);
      }
      return;
    }
    if (std::find(out.ready_nodes.begin(), out.ready_nodes.end(), *leader) == out.ready_nodes.end()) {
      out.ready_nodes.push_back(*leader);
    }
  });
  return out;
}

std::map<std::int32_t, std::vector<BatchPtr>> RecordAccumulator::drain(const LeaderLookup& leader_of,
                                                                       std::span<const std::int32_t> nodes,
                                                                       std::size_t max_request_size,
                                                                       const BatchFilter& can_send,
                                                                       Clock::time_point now, const BatchStamp& stamp) {
  std::map<std::int32_t, std::vector<BatchPtr>> out;
  if (nodes.empty()) return out;
  // Partitions grouped by leader, in a stable order; rotate the start so no
  // partition starves when requests fill up.
  struct Candidate {
    std::int32_t node;
    PartitionQueue* queue;
  };
  std::vector<Candidate> candidates;
  for_each_queue([&](std::string_view topic, std::int32_t partition, PartitionQueue& q) {
    {
      std::lock_guard lock(q.mu);
      if (q.batches.empty()) return;
    }
    std::optional<std::int32_t> leader = leader_of(topic, partition);
    if (leader && std::find(nodes.begin(), nodes.end(), *leader) != nodes.end()) {
      candidates.push_back({*leader, &q});
    }
  });
  if (candidates.empty()) return out;
  const std::size_t start = drain_rotation_++ % candidates.size();
  std::map<std::int32_t, std::size_t> request_bytes;
  std::vector<std::int32_t> request_full;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const Candidate& c = candidates[(start + i) % candidates.size()];
    if (std::find(request_full.begin(), request_full.end(), c.node) != request_full.end()) continue;
    BatchPtr batch;
    {
      std::lock_guard lock(c.queue->mu);
      if (c.queue->batches.empty()) continue;
      ProducerBatch& first = *c.queue->batches.front();
      if (first.in_retry() && first.retry_not_before() > now) continue;
      if (can_send && !can_send(first)) continue;
      // Appenders stop here: the batch's size is final from now on.
      seal(*c.queue, first);
      std::size_t& used = request_bytes[c.node];
      if (used > 0 && used + first.size_bytes() > max_request_size) {
        request_full.push_back(c.node);
        continue;
      }
      used += first.size_bytes();
      batch = std::move(c.queue->batches.front());
      c.queue->batches.pop_front();
    }
    // Stamp, compress and seal outside the lock: appenders already moved on.
    if (stamp) stamp(*batch);
    if (std::error_code ec = batch->close(options_.compression, options_.compression_level)) {
      batch->complete(-1, -1, ec);
      continue;
    }
    if (batch->record_count() == 0) continue;  // nothing to send; destroyed quietly
    out[c.node].push_back(std::move(batch));
  }
  return out;
}

void RecordAccumulator::reenqueue(BatchPtr batch) { requeue_in_order(std::span<BatchPtr>(&batch, 1)); }

void RecordAccumulator::requeue_in_order(std::span<BatchPtr> batches) {
  if (batches.empty()) return;
  PartitionQueue& q = queue_for(batches.front()->topic(), batches.front()->partition());
  {
    std::lock_guard lock(q.mu);
    // Retried batches stay ahead of new ones; among themselves, in sequence
    // order when they have sequences (several may come back out of order).
    auto it = q.batches.begin();
    if (batches.front()->has_sequence()) {
      while (it != q.batches.end() && (*it)->in_retry() && (*it)->has_sequence() &&
             (*it)->base_sequence() < batches.front()->base_sequence()) {
        ++it;
      }
    }
    for (BatchPtr& batch : batches) {
      check_expiry_by(batch->delivery_deadline());
      it = q.batches.insert(it, std::move(batch));
      ++it;
    }
  }
  notify();
}

void RecordAccumulator::check_expiry_by(Clock::time_point deadline) noexcept {
  const Clock::rep at = deadline.time_since_epoch().count();
  Clock::rep current = expiry_check_at_.load(std::memory_order_acquire);
  while (at < current && !expiry_check_at_.compare_exchange_weak(current, at, std::memory_order_acq_rel)) {
  }
}

std::vector<BatchPtr> RecordAccumulator::take_expired(Clock::time_point now) {
  std::vector<BatchPtr> out;
  if (now.time_since_epoch().count() < expiry_check_at_.load(std::memory_order_acquire)) return out;
  // Batches created from now on expire after now + delivery.timeout.ms; the
  // ones still queued set the next check, and so do retried batches coming
  // back meanwhile (reenqueue), whose deadlines may be earlier.
  expiry_check_at_.store((now + options_.delivery_timeout).time_since_epoch().count(), std::memory_order_release);
  Clock::time_point earliest = Clock::time_point::max();
  for_each_queue([&](std::string_view, std::int32_t, PartitionQueue& q) {
    std::lock_guard lock(q.mu);
    for (auto it = q.batches.begin(); it != q.batches.end();) {
      if ((*it)->delivery_deadline() <= now) {
        seal(q, **it);
        out.push_back(std::move(*it));
        it = q.batches.erase(it);
      } else {
        earliest = std::min(earliest, (*it)->delivery_deadline());
        ++it;
      }
    }
  });
  if (earliest != Clock::time_point::max()) check_expiry_by(earliest);
  return out;
}

std::vector<BatchPtr> RecordAccumulator::take_all() {
  std::vector<BatchPtr> all;
  for_each_queue([&](std::string_view, std::int32_t, PartitionQueue& q) {
    std::lock_guard lock(q.mu);
    seal_all(q);
    for (BatchPtr& b : q.batches) all.push_back(std::move(b));
    q.batches.clear();
  });
  return all;
}

std::vector<BatchPtr> RecordAccumulator::take_matching(const std::function<bool(const ProducerBatch&)>& take) {
  std::vector<BatchPtr> taken;
  for_each_queue([&](std::string_view, std::int32_t, PartitionQueue& q) {
    std::lock_guard lock(q.mu);
    seal_all(q);  // `take` may read any batch's state
    for (auto it = q.batches.begin(); it != q.batches.end();) {
      if (take(**it)) {
        taken.push_back(std::move(*it));
        it = q.batches.erase(it);
      } else {
        ++it;
      }
    }
  });
  return taken;
}

void RecordAccumulator::abort_all(std::error_code error) {
  for (BatchPtr& b : take_all()) b->complete(-1, -1, error);
}

void RecordAccumulator::count_queued(
    const std::function<void(std::string_view topic, std::int32_t partition, std::size_t records)>& add) {
  for_each_queue([&](std::string_view topic, std::int32_t partition, PartitionQueue& q) {
    std::size_t records = 0;
    {
      std::lock_guard lock(q.mu);
      for (const BatchPtr& b : q.batches) records += static_cast<std::size_t>(record_count_of(q, *b));
    }
    if (records > 0) add(topic, partition, records);
  });
}

std::int32_t RecordAccumulator::record_count_of(PartitionQueue& q, const ProducerBatch& batch) noexcept {
  for (OpenBatchSlot& slot : q.open) {
    if (!slot.holds_open(&batch)) continue;
    // Some thread still fills it: read its count from inside the slot (an
    // appender there finishes its record first), and leave it open.
    const bool entered = slot.enter_locked() != nullptr;
    const std::int32_t n = batch.record_count();
    if (entered) slot.leave(true);
    return n;
  }
  return batch.record_count();
}

bool RecordAccumulator::has_queued() {
  bool any = false;
  for_each_queue([&](std::string_view, std::int32_t, PartitionQueue& q) {
    std::lock_guard lock(q.mu);
    if (!q.batches.empty()) any = true;
  });
  return any;
}

}  // namespace kwire::detail
