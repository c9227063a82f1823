// The one recorder of delivery reports the tests share: each report is kept
// under its record's user id (RecordMetadata::user_id) with the number of
// times it fired, so a test can check "exactly once", the error and the
// metadata, and wait for reports without sleeping.
// Threads: handler() may run on any thread (the io thread, a poll_events()
// caller); every other member from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <system_error>

#include "delivery_invariants.hpp"
#include "kwire/delivery_handler.hpp"
#include "kwire/record.hpp"

namespace kwire::test {

// fired: how often; error and metadata: of the last report.
using RecordedReport = DeliveryReport;

class DeliveryRecorder {
 public:
  // A handler that records the report under md.user_id.
  kwire::DeliveryHandler handler() {
    return [this](std::error_code ec, kwire::RecordMetadata md) { record(ec, std::move(md)); };
  }
  void record(std::error_code ec, kwire::RecordMetadata md) {
    std::lock_guard lock(mu_);
    RecordedReport& r = reports_[md.user_id];
    if (r.fired++ == 0) ++reported_;
    r.error = ec;
    r.metadata = std::move(md);
    cv_.notify_all();
  }
  // Lists `id` before it is sent, so snapshot() shows it (fired == 0) even
  // if its report never fires.
  void expect(std::uint64_t id) {
    std::lock_guard lock(mu_);
    reports_[id];
  }

  // Waits until `count` distinct records were reported at least once.
  bool wait(std::size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return reported_ >= count; });
  }
  // Waits until record `id` was reported.
  bool wait_reported(std::uint64_t id, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] {
      auto it = reports_.find(id);
      return it != reports_.end() && it->second.fired > 0;
    });
  }
  // Distinct records reported at least once.
  std::size_t reported() const {
    std::lock_guard lock(mu_);
    return reported_;
  }
  std::map<std::uint64_t, RecordedReport> snapshot() const {
    std::lock_guard lock(mu_);
    return reports_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::uint64_t, RecordedReport> reports_;
  std::size_t reported_ = 0;
};

}  // namespace kwire::test
