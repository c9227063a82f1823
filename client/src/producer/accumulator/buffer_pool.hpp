// buffer.memory accounting: every byte a batch buffer may hold is reserved
// here before the batch exists and given back when its reports fire, so the
// total buffered never exceeds buffer.memory. Reservations wait (up to
// max.block.ms) or fail at once (non-blocking mode). Released byte vectors of
// batch.size capacity are kept for reuse, so steady-state batches allocate
// nothing.
// Threads: all members are thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <system_error>
#include <vector>

namespace kwire::detail {

class BufferPool {
 public:
  using Clock = std::chrono::steady_clock;

  BufferPool(std::size_t total_bytes, std::size_t pooled_buffer_size);

  // Reserves `bytes`. With blocking, waits until `deadline` for room; without,
  // fails at once. Errors: errc::record_too_large (more than the whole pool),
  // errc::queue_full (non-blocking), errc::buffer_exhausted_timeout,
  // errc::producer_closed (after close()).
  std::error_code reserve(std::size_t bytes, bool block, Clock::time_point deadline);
  void release(std::size_t bytes) noexcept;

  // A byte vector for a batch of `reserved` bytes: a pooled one when it is of
  // the pooled size, else a new one. Capacity never counts beyond `reserved`.
  std::vector<std::uint8_t> take_buffer(std::size_t reserved);
  // Returns a batch buffer; kept for reuse when it has the pooled capacity.
  void recycle(std::vector<std::uint8_t>&& buffer) noexcept;

  // Called (under the pool's lock, so it must not call back into the pool)
  // whenever a reservation starts to wait: the sender should drain now.
  void set_wait_hook(std::function<void()> hook) { wait_hook_ = std::move(hook); }

  // Wakes every waiter with producer_closed.
  void close() noexcept;

  std::size_t total() const noexcept { return total_; }
  std::size_t available() const;
  std::size_t waiters() const;  // > 0 means memory is short: drain everything

 private:
  const std::size_t total_;
  const std::size_t pooled_size_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::size_t available_;
  std::size_t waiters_ = 0;
  bool closed_ = false;
  std::vector<std::vector<std::uint8_t>> free_;
  std::function<void()> wait_hook_;
};

}  // namespace kwire::detail
