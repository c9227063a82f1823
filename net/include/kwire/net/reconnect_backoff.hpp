// Exponential reconnect backoff with jitter (reconnect.backoff.ms doubling up
// to reconnect.backoff.max.ms, each delay randomised by +-20% so clients that
// lost the same broker do not return in lockstep). Io_context thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace kwire::net {

class ReconnectBackoff {
 public:
  ReconnectBackoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, std::uint64_t seed);

  // The delay before the next attempt after one more consecutive failure.
  std::chrono::milliseconds next_delay();
  void reset() noexcept { failures_ = 0; }
  unsigned failures() const noexcept { return failures_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  unsigned failures_ = 0;
  std::minstd_rand random_;
};

}  // namespace kwire::net
