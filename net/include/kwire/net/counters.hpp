// Counters of the network layer that the user can read. They are written on
// the io_context thread and may be read from any thread (relaxed atomics: each
// value is exact, a snapshot of several is not a consistent cut).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace kwire::net {

struct NetCountersSnapshot {
  std::uint64_t requests_sent = 0;       // frames written (with or without a response expected)
  std::uint64_t responses_received = 0;  // frames read and matched to a request
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t request_errors = 0;      // requests that ended with an error (timeouts included)
  std::uint64_t request_timeouts = 0;
  std::uint64_t connects = 0;            // connections that became usable
  std::uint64_t connect_failures = 0;
  std::uint64_t reconnects = 0;          // connections made to a broker that had one before
  std::uint64_t disconnects = 0;         // usable connections that were closed or lost
  std::uint64_t rtt_samples = 0;
  std::uint64_t rtt_total_us = 0;        // sum of round-trip times, for the mean
  std::uint64_t rtt_max_us = 0;

  std::chrono::microseconds rtt_mean() const noexcept {
    return std::chrono::microseconds(rtt_samples ? rtt_total_us / rtt_samples : 0);
  }
};

class NetCounters {
 public:
  void add_sent(std::uint64_t bytes) noexcept { inc(requests_sent_); add(bytes_sent_, bytes); }
  void add_received(std::uint64_t bytes) noexcept { add(bytes_received_, bytes); }
  void add_response(std::chrono::steady_clock::duration rtt) noexcept;
  void add_error(bool timeout) noexcept { inc(request_errors_); if (timeout) inc(request_timeouts_); }
  void add_connect(bool reconnect) noexcept { inc(connects_); if (reconnect) inc(reconnects_); }
  void add_connect_failure() noexcept { inc(connect_failures_); }
  void add_disconnect() noexcept { inc(disconnects_); }

  NetCountersSnapshot snapshot() const noexcept;

 private:
  using counter = std::atomic<std::uint64_t>;
  static void inc(counter& c) noexcept { c.fetch_add(1, std::memory_order_relaxed); }
  static void add(counter& c, std::uint64_t n) noexcept { c.fetch_add(n, std::memory_order_relaxed); }

  counter requests_sent_{0}, responses_received_{0}, bytes_sent_{0}, bytes_received_{0};
  counter request_errors_{0}, request_timeouts_{0}, connects_{0}, connect_failures_{0};
  counter reconnects_{0}, disconnects_{0}, rtt_samples_{0}, rtt_total_us_{0}, rtt_max_us_{0};
};

}  // namespace kwire::net
