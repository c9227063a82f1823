// How long one send may block (max.block.ms), read from the clock only when
// the send has to wait: for metadata, a record slot or buffer memory. Most
// sends never wait, and a clock read per record was a tenth of the append
// path's instructions (issue 15). The deadline counts from the first wait,
// not from the send's start; everything before that first wait does not
// block, so the difference is the few microseconds of the send itself.
// Threads: one send's local value; not shared.
#pragma once

#include <atomic>
#include <chrono>
#include <thread>

namespace kwire::detail {

class SendDeadline {
 public:
  using Clock = std::chrono::steady_clock;

  // `max_block` after the first get(), or now when get() runs on the
  // thread `no_wait` names (the io thread, which must never block; checked
  // then, not per send).
  SendDeadline(Clock::duration max_block, const std::atomic<std::thread::id>* no_wait) noexcept
      : max_block_(max_block), no_wait_(no_wait) {}
  // A fixed deadline (callers that already read the clock).
  static SendDeadline at(Clock::time_point deadline) noexcept {
    SendDeadline d(Clock::duration::zero(), nullptr);
    d.at_ = deadline;
    return d;
  }

  Clock::time_point get() const {
    if (at_ == kUnread) {
      const bool may_wait = no_wait_ == nullptr || std::this_thread::get_id() != no_wait_->load();
      at_ = may_wait ? Clock::now() + max_block_ : Clock::now();
    }
    return at_;
  }

 private:
  static constexpr Clock::time_point kUnread = Clock::time_point::min();
  Clock::duration max_block_;
  const std::atomic<std::thread::id>* no_wait_;
  mutable Clock::time_point at_ = kUnread;
};

}  // namespace kwire::detail
