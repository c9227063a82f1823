// Firing and queueing delivery reports (see delivery_report.hpp).
#include "producer/delivery/delivery_report.hpp"
#include "producer/produce_stats.hpp"

#include <algorithm>

namespace kwire::detail {

namespace {

// One record's metadata, returned by value so that the handler's by-value
// parameter is built in place (no second RecordMetadata moved and destroyed
// per record).
RecordMetadata metadata_of(const BatchReports& b, const DeliveryEntry& entry, std::error_code ec) {
  RecordMetadata md;
  md.topic = b.topic;
  md.partition = b.partition;
  md.user_id = entry.user_id;
  md.borrowed_value = entry.borrowed_value;
  if (b.log_append_time_ms >= 0) {
    md.timestamp_ms = b.log_append_time_ms;
    md.timestamp_type = TimestampType::log_append_time;
  } else {
    md.timestamp_ms = entry.timestamp_ms;
  }
  md.offset = (!ec && b.base_offset >= 0) ? b.base_offset + entry.offset_delta : -1;
  if (ec) md.outcome = b.outcome;
  return md;
}

}  // namespace

void BatchReports::fire() {
  for (DeliveryEntry& entry : entries) {
    if (!entry.handler) continue;
    std::error_code ec = error;
    for (const RecordError& re : record_errors) {
      if (re.batch_index == entry.offset_delta) ec = re.error;
    }
    entry.handler(ec, metadata_of(*this, entry, ec));
  }
}

void DeliveryDispatcher::dispatch(BatchReports&& reports) {
  const std::size_t failed = reports.error ? reports.entries.size() : reports.record_errors.size();
  failed_.fetch_add(failed, std::memory_order_relaxed);
  delivered_.fetch_add(reports.entries.size() - failed, std::memory_order_relaxed);
  if (stats_ != nullptr) {
    stats_->on_batch_reported(reports.topic, reports.partition, reports.entries.size() - failed, failed,
                              std::chrono::steady_clock::now() - reports.created);
  }
  if (!manual_poll_) {
    reports.fire();
    return;
  }
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(reports));
  }
  cv_.notify_one();
}

std::size_t DeliveryDispatcher::poll(std::chrono::milliseconds timeout) {
  std::deque<BatchReports> ready;
  {
    std::unique_lock lock(mu_);
    if (queue_.empty() && timeout.count() > 0) {
      cv_.wait_for(lock, timeout, [&] { return !queue_.empty(); });
    }
    ready.swap(queue_);
  }
  return fire(ready);
}

void DeliveryDispatcher::poll_until(const std::function<bool()>& done) {
  while (!done()) {
    std::deque<BatchReports> ready;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !queue_.empty() || done(); });
      ready.swap(queue_);
    }
    fire(ready);
  }
}

void DeliveryDispatcher::wake_pollers() {
  // Under the lock: a poller between its check of done() and its wait
  // cannot miss this.
  { std::lock_guard lock(mu_); }
  cv_.notify_all();
}

std::size_t DeliveryDispatcher::fire(std::deque<BatchReports>& ready) {
  std::size_t n = 0;
  for (BatchReports& r : ready) {
    n += static_cast<std::size_t>(std::count_if(r.entries.begin(), r.entries.end(),
                                                [](const DeliveryEntry& e) { return bool(e.handler); }));
    r.fire();
  }
  return n;
}

std::size_t DeliveryDispatcher::queued_batches() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

}  // namespace kwire::detail
