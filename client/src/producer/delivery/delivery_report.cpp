// Firing and queueing delivery reports (see delivery_report.hpp).
#include "producer/delivery/delivery_report.hpp"

#include <algorithm>

namespace kwire::detail {

void BatchReports::fire() {
  for (DeliveryEntry& entry : entries) {
    if (!entry.handler) continue;
    std::error_code ec = error;
    for (const RecordError& re : record_errors) {
      if (re.batch_index == entry.offset_delta) ec = re.error;
    }
    RecordMetadata md;
    md.topic = topic;
    md.partition = partition;
    md.user_id = entry.user_id;
    md.borrowed_value = entry.borrowed_value;
    if (log_append_time_ms >= 0) {
      md.timestamp_ms = log_append_time_ms;
      md.timestamp_type = TimestampType::log_append_time;
    } else {
      md.timestamp_ms = entry.timestamp_ms;
    }
    md.offset = (!ec && base_offset >= 0) ? base_offset + entry.offset_delta : -1;
    if (ec) md.outcome = outcome;
    entry.handler(ec, std::move(md));
  }
}

void DeliveryDispatcher::dispatch(BatchReports&& reports) {
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
