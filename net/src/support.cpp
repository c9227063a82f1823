// Small pieces of the network layer without a home of their own: counters,
// log level names, host:port parsing. Any thread.
#include <algorithm>
#include <charconv>

#include "kwire/net/config.hpp"
#include "kwire/net/counters.hpp"
#include "kwire/net/log.hpp"

namespace kwire::net {

void NetCounters::add_response(std::chrono::steady_clock::duration rtt) noexcept {
  inc(responses_received_);
  auto us = static_cast<std::uint64_t>(std::max<std::int64_t>(
      0, std::chrono::duration_cast<std::chrono::microseconds>(rtt).count()));
  inc(rtt_samples_);
  add(rtt_total_us_, us);
  std::uint64_t seen = rtt_max_us_.load(std::memory_order_relaxed);
  while (us > seen && !rtt_max_us_.compare_exchange_weak(seen, us, std::memory_order_relaxed)) {
  }
}

NetCountersSnapshot NetCounters::snapshot() const noexcept {
  NetCountersSnapshot s;
  s.requests_sent = requests_sent_.load(std::memory_order_relaxed);
  s.responses_received = responses_received_.load(std::memory_order_relaxed);
  s.bytes_sent = bytes_sent_.load(std::memory_order_relaxed);
  s.bytes_received = bytes_received_.load(std::memory_order_relaxed);
  s.request_errors = request_errors_.load(std::memory_order_relaxed);
  s.request_timeouts = request_timeouts_.load(std::memory_order_relaxed);
  s.connects = connects_.load(std::memory_order_relaxed);
  s.connect_failures = connect_failures_.load(std::memory_order_relaxed);
  s.reconnects = reconnects_.load(std::memory_order_relaxed);
  s.disconnects = disconnects_.load(std::memory_order_relaxed);
  s.rtt_samples = rtt_samples_.load(std::memory_order_relaxed);
  s.rtt_total_us = rtt_total_us_.load(std::memory_order_relaxed);
  s.rtt_max_us = rtt_max_us_.load(std::memory_order_relaxed);
  return s;
}

std::string_view to_string(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warning: return "warning";
    case LogLevel::error: return "error";
    case LogLevel::off: return "off";
  }
  return "?";
}

bool parse_host_port(const std::string& text, std::string& host, std::uint16_t& port) {
  std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return false;
  std::string h = text.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  unsigned value = 0;
  const char* first = text.data() + colon + 1;
  const char* last = text.data() + text.size();
  auto [end, ec] = std::from_chars(first, last, value);
  if (ec != std::errc() || end != last || value == 0 || value > 65535) return false;
  host = std::move(h);
  port = static_cast<std::uint16_t>(value);
  return true;
}

std::string with_default_port(const std::string& server) {
  const bool bracketed = server.size() > 2 && server.front() == '[' && server.back() == ']';
  if (bracketed || server.find(':') == std::string::npos) return server + ":9092";
  return server;
}

}  // namespace kwire::net
