// The perf consume loop (see consume_runner.hpp).
#include "perf/consume_runner.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace kwire::tool {
namespace {

constexpr std::uint64_t kIdleLimitNs = 30'000'000'000ull;

void print_progress(std::uint64_t start_ns, std::uint64_t records, std::uint64_t bytes) {
  const double secs = static_cast<double>(now_ns() - start_ns) / 1e9;
  const double rps = secs > 0 ? static_cast<double>(records) / secs : 0;
  const double mbps = secs > 0 ? static_cast<double>(bytes) / 1e6 / secs : 0;
  std::fprintf(stderr, "\r  %llu read  %.0f rec/s  %.2f MB/s   ", static_cast<unsigned long long>(records), rps, mbps);
}

}  // namespace

PerfReport run_consume(const ConsumeSettings& s, ConsumeClient& client) {
  const bool live = isatty(STDERR_FILENO) != 0;
  const auto threads_before = living_threads_cpu();
  const ProcessUsage usage_start = process_usage();
  const std::uint64_t start = now_ns();
  std::uint64_t records = 0, bytes = 0, first_ns = 0, last_progress_ns = start, next_line = start + 500'000'000ull;
  std::string error;
  bool failed = false;
  while (records < s.count) {
    const std::uint64_t before = records;
    if (!client.poll(std::chrono::milliseconds(100), records, bytes, error)) {
      failed = true;
      break;
    }
    const std::uint64_t now = now_ns();
    if (records > before) {
      if (first_ns == 0) first_ns = now;
      last_progress_ns = now;
    } else if (now - last_progress_ns > kIdleLimitNs) {
      error = "nothing to read for 30 s";
      break;
    }
    if (live && now >= next_line) {
      print_progress(start, records, bytes);
      next_line = now + 500'000'000ull;
    }
  }
  // The run ends with the last record read, not with an idle wait after it.
  const std::uint64_t end = records >= s.count ? now_ns() : last_progress_ns;
  if (live) {
    print_progress(start, records, bytes);
    std::fputs("\n", stderr);
  }

  PerfReport r;
  r.mode = "consume";
  r.client = client.name();
  r.topic = s.topic;
  r.records = s.count;
  r.acked = records;
  r.failed = failed ? 1 : 0;
  r.record_size = records > 0 ? static_cast<std::size_t>(bytes / records) : 0;
  r.seconds = static_cast<double>(end - start) / 1e9;
  r.usage = process_usage().since(usage_start);
  r.cpu_seconds = r.usage.user_s + r.usage.sys_s;
  r.thread_cpu = threads_cpu_since(threads_before);
  std::sort(r.thread_cpu.begin(), r.thread_cpu.end(),
            [](const ThreadCpu& a, const ThreadCpu& b) { return a.cpu_s > b.cpu_s; });
  r.peak_rss_mb = peak_rss_mb();
  if (first_ns > start) r.first_report_ms = static_cast<double>(first_ns - start) / 1e6;
  r.first_error = error;
  if (r.first_error.empty() && records < s.count) r.first_error = "read fewer records than asked";
  r.effective_config = client.effective_config();
  for (const auto& [k, v] : s.properties) r.settings += (r.settings.empty() ? "" : ",") + k + "=" + v;
  return r;
}

}  // namespace kwire::tool
