// The perf loop (see perf_runner.hpp).
#include "perf/perf_runner.hpp"

#include <unistd.h>

#include <cstdio>
#include <thread>

namespace kwire::tool {

PerfPayload::PerfPayload(std::size_t size) : size_(size), data_(size + kWindows) {
  std::uint64_t x = 0x9E3779B97F4A7C15ull;
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.-";
  for (auto& b : data_) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    b = static_cast<std::uint8_t>(kAlphabet[x % (sizeof kAlphabet - 1)]);
  }
}

kwire::protocol::Bytes PerfPayload::record(std::uint64_t index) const noexcept {
  return kwire::protocol::Bytes(data_.data() + index % kWindows, size_);
}

namespace {

void print_progress(const PerfSettings& s, PerfClient& client, PerfStats& stats, std::uint64_t sent,
                    std::uint64_t start_ns) {
  double secs = static_cast<double>(now_ns() - start_ns) / 1e9;
  auto acked = stats.acked();
  double rps = secs > 0 ? static_cast<double>(acked) / secs : 0;
  std::fprintf(stderr, "\r  %llu sent  %llu acked  %.0f rec/s  %.2f MB/s  in flight %llu  errors %llu   ",
               static_cast<unsigned long long>(sent), static_cast<unsigned long long>(acked), rps,
               rps * static_cast<double>(s.size) / 1e6, static_cast<unsigned long long>(client.in_flight()),
               static_cast<unsigned long long>(stats.failed()));
}

}  // namespace

PerfReport run_perf(const PerfSettings& s, PerfClient& client, PerfStats& stats) {
  PerfPayload payload(s.size);
  const bool live = isatty(STDERR_FILENO) != 0;
  const double cpu_start = process_cpu_seconds();
  const std::uint64_t start = now_ns();
  std::uint64_t next_progress = start + 500'000'000ull;
  std::uint64_t sent = 0;
  std::uint64_t send_failures = 0;
  std::string first_send_error;
  for (std::uint64_t i = 0; i < s.count; ++i) {
    if (s.rate > 0) {
      auto due = start + static_cast<std::uint64_t>(static_cast<double>(i) * 1e9 / s.rate);
      while (now_ns() < due) {
        client.service(std::chrono::milliseconds(0));
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      }
    }
    std::string error;
    SendStatus st;
    while ((st = client.send(payload.record(i), now_ns(), error)) == SendStatus::queue_full)
      client.service(std::chrono::milliseconds(1));
    if (st == SendStatus::failed) {
      ++send_failures;
      if (first_send_error.empty()) first_send_error = error;
    } else {
      ++sent;
    }
    if ((i & 1023) == 0) {
      client.service(std::chrono::milliseconds(0));
      if (live && now_ns() >= next_progress) {
        print_progress(s, client, stats, sent, start);
        next_progress = now_ns() + 500'000'000ull;
      }
    }
  }
  // Wait for the last delivery report, keeping the progress line alive.
  const auto flush_deadline = now_ns() + 120'000'000'000ull;
  while (!client.flush(std::chrono::milliseconds(500))) {
    if (live) print_progress(s, client, stats, sent, start);
    if (now_ns() > flush_deadline) break;
  }
  const std::uint64_t end = now_ns();
  if (live) {
    print_progress(s, client, stats, sent, start);
    std::fputs("\n", stderr);
  }

  PerfReport r;
  r.client = client.name();
  r.topic = s.topic;
  r.records = s.count;
  r.record_size = s.size;
  r.acked = stats.acked();
  r.failed = stats.failed() + send_failures + (sent - std::min(sent, stats.acked() + stats.failed()));
  r.seconds = static_cast<double>(end - start) / 1e9;
  r.cpu_seconds = process_cpu_seconds() - cpu_start;
  r.peak_rss_mb = peak_rss_mb();
  auto h = stats.latency();
  r.p50_ms = static_cast<double>(h.quantile(0.50)) / 1000.0;
  r.p99_ms = static_cast<double>(h.quantile(0.99)) / 1000.0;
  r.p999_ms = static_cast<double>(h.quantile(0.999)) / 1000.0;
  r.max_ms = static_cast<double>(h.max()) / 1000.0;
  r.first_error = stats.first_error();
  if (r.first_error.empty()) r.first_error = first_send_error;
  if (r.first_error.empty() && r.acked + r.failed < r.records) r.first_error = "timed out waiting for delivery reports";
  r.effective_config = client.effective_config();
  for (const auto& [k, v] : s.properties) r.settings += (r.settings.empty() ? "" : ",") + k + "=" + v;
  return r;
}

}  // namespace kwire::tool
