// queue.buffering.max.messages: a bound on the records the producer holds
// (appended and not yet reported), beside buffer.memory's bound on bytes.
// A record takes one slot before it is appended and gives it back when its
// batch's reports fire. Below the bound a slot costs one atomic add; only a
// sender that finds the bound reached takes the lock, to wait (up to
// max.block.ms) or to fail at once with errc::queue_full.
// Threads: all members are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <system_error>

namespace kwire::detail {

class RecordCountBound {
 public:
  using Clock = std::chrono::steady_clock;

  // max_records 0: no bound (every call below returns at once).
  explicit RecordCountBound(std::size_t max_records) : max_(max_records) {}

  // One slot. Errors: errc::queue_full (not blocking), errc::buffer_exhausted_timeout
  // (nothing freed until `deadline`), errc::producer_closed.
  std::error_code acquire(bool block, Clock::time_point deadline);
  // One slot if it is free now (always, without a bound): no lock, no wait.
  // The send path tries this first and calls acquire() only when it fails.
  bool try_acquire() noexcept { return max_ == 0 || try_take(); }
  void release(std::size_t records) noexcept;
  // Wakes every waiter with errc::producer_closed.
  void close() noexcept;

  // Called (under the bound's lock: it must not call back in) when a sender
  // starts to wait: everything queued should be sent now, to free slots.
  void set_wait_hook(std::function<void()> hook) { wait_hook_ = std::move(hook); }
  std::size_t waiters() const noexcept { return waiters_.load(); }
  std::size_t held() const noexcept { return held_.load(); }
  std::size_t max() const noexcept { return max_; }

 private:
  bool try_take() noexcept;

  const std::size_t max_;
  std::atomic<std::size_t> held_{0};
  std::atomic<std::size_t> waiters_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool closed_ = false;
  std::function<void()> wait_hook_;
};

}  // namespace kwire::detail
