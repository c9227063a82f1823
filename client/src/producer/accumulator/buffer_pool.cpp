// buffer.memory accounting and batch buffer reuse (see buffer_pool.hpp).
#include "producer/accumulator/buffer_pool.hpp"

#include "kwire/errors.hpp"

namespace kwire::detail {

BufferPool::BufferPool(std::size_t total_bytes, std::size_t pooled_buffer_size)
    : total_(total_bytes), pooled_size_(pooled_buffer_size), available_(total_bytes) {}

std::error_code BufferPool::reserve(std::size_t bytes, bool block, Clock::time_point deadline) {
  if (bytes > total_) return errc::record_too_large;
  std::unique_lock lock(mu_);
  if (closed_) return errc::producer_closed;
  if (available_ >= bytes && waiters_ == 0) {
    available_ -= bytes;
    return {};
  }
  if (!block) return errc::queue_full;
  // Waiters are served in no particular order, but a newcomer never overtakes
  // existing waiters (the fast path above requires waiters_ == 0).
  ++waiters_;
  if (wait_hook_) wait_hook_();
  bool ok = cv_.wait_until(lock, deadline, [&] { return closed_ || available_ >= bytes; });
  --waiters_;
  if (closed_) {
    cv_.notify_all();
    return errc::producer_closed;
  }
  if (!ok) {
    cv_.notify_all();  // someone smaller may fit now that we leave
    return errc::buffer_exhausted_timeout;
  }
  available_ -= bytes;
  if (available_ > 0 && waiters_ > 0) cv_.notify_all();
  return {};
}

void BufferPool::release(std::size_t bytes) noexcept {
  if (bytes == 0) return;
  {
    std::lock_guard lock(mu_);
    available_ += bytes;
    // Pooled vectors must fit in what is unreserved, so that reserved bytes
    // plus pooled capacity never exceed buffer.memory.
    while (!free_.empty() && free_.size() * pooled_size_ > available_) free_.pop_back();
  }
  cv_.notify_all();
}

std::vector<std::uint8_t> BufferPool::take_buffer(std::size_t reserved) {
  std::vector<std::uint8_t> buf;
  {
    std::lock_guard lock(mu_);
    if (reserved == pooled_size_ && !free_.empty()) {
      buf = std::move(free_.back());
      free_.pop_back();
    }
    // A reservation taken out of `available_` may need the room a pooled
    // vector occupies; drop pooled vectors that no longer fit.
    while (!free_.empty() && free_.size() * pooled_size_ > available_) free_.pop_back();
  }
  buf.clear();
  if (buf.capacity() < reserved) buf.reserve(reserved);
  return buf;
}

void BufferPool::recycle(std::vector<std::uint8_t>&& buffer) noexcept {
  if (buffer.capacity() != pooled_size_) return;  // freed by the caller's destructor
  std::lock_guard lock(mu_);
  if ((free_.size() + 1) * pooled_size_ <= available_) free_.push_back(std::move(buffer));
}

void BufferPool::close() noexcept {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

std::size_t BufferPool::available() const {
  std::lock_guard lock(mu_);
  return available_;
}

std::size_t BufferPool::waiters() const {
  std::lock_guard lock(mu_);
  return waiters_;
}

}  // namespace kwire::detail
