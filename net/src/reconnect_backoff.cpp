// Exponential reconnect backoff with +-20% jitter. Io_context thread only.
#include "kwire/net/reconnect_backoff.hpp"

#include <algorithm>

namespace kwire::net {

ReconnectBackoff::ReconnectBackoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
                                   std::uint64_t seed)
    : initial_(std::max(initial, std::chrono::milliseconds(0))),
      max_(std::max(max, initial_)),
      random_(static_cast<std::minstd_rand::result_type>(seed % 2147483646u + 1)) {}

std::chrono::milliseconds ReconnectBackoff::next_delay() {
  // initial * 2^failures, computed in double so large counts cannot overflow.
  const double exponential = static_cast<double>(initial_.count()) * static_cast<double>(1ull << std::min(failures_, 30u));
  const double capped = std::min(exponential, static_cast<double>(max_.count()));
  ++failures_;
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  const double delay = std::min(capped * jitter(random_), static_cast<double>(max_.count()));
  return std::chrono::milliseconds(static_cast<std::int64_t>(delay));
}

}  // namespace kwire::net
