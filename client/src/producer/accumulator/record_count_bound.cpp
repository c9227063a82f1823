// queue.buffering.max.messages accounting (see record_count_bound.hpp).
#include "producer/accumulator/record_count_bound.hpp"

#include "kwire/errors.hpp"

namespace kwire::detail {

bool RecordCountBound::try_take() noexcept {
  std::size_t held = held_.load();
  while (held < max_) {
    if (held_.compare_exchange_weak(held, held + 1)) return true;
  }
  return false;
}

std::error_code RecordCountBound::acquire(bool block, Clock::time_point deadline) {
  if (max_ == 0) return {};
  if (try_take()) return {};
  if (!block) return errc::queue_full;
  std::unique_lock lock(mu_);
  // Counted before the last look: a release() that follows it sees a waiter
  // and notifies under the lock, so no wake-up is lost.
  waiters_.fetch_add(1);
  if (wait_hook_) wait_hook_();
  const bool ok = cv_.wait_until(lock, deadline, [&] { return closed_ || try_take(); });
  waiters_.fetch_sub(1);
  if (closed_) return errc::producer_closed;
  return ok ? std::error_code() : make_error_code(errc::buffer_exhausted_timeout);
}

void RecordCountBound::release(std::size_t records) noexcept {
  if (max_ == 0 || records == 0) return;
  held_.fetch_sub(records);
  if (waiters_.load() == 0) return;
  std::lock_guard lock(mu_);
  cv_.notify_all();
}

void RecordCountBound::close() noexcept {
  if (max_ == 0) return;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

}  // namespace kwire::detail
