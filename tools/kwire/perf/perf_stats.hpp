// What `kwire perf produce` measures, shared by every client it can drive
// (kwire, librdkafka) so both are measured by the same code. Delivery
// reports may arrive on the client's own threads: PerfStats is thread-safe.
// It must not tax the client it measures: an acknowledged record that is not
// timed costs one relaxed counter increment; only timed records (a sample,
// see PerfSettings::sample_every) and failures take the lock.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "perf/latency_histogram.hpp"
#include "perf/process_usage.hpp"

namespace kwire::tool {

// Monotonic nanoseconds, the clock every send timestamp uses.
std::uint64_t now_ns() noexcept;

class PerfStats {
 public:
  // One delivery report: sent_ns is when send() was called (0: not timed).
  void on_acked(std::uint64_t sent_ns);
  void on_failed(std::string_view error);
  // Either of the above: error empty on success.
  void delivered(std::uint64_t sent_ns, std::string_view error) {
    if (error.empty()) on_acked(sent_ns);
    else on_failed(error);
  }
  std::uint64_t acked() const noexcept { return acked_.load(std::memory_order_relaxed); }
  std::uint64_t failed() const;
  std::string first_error() const;
  LatencyHistogram latency() const;
  // now_ns() of the first delivery report, 0 before it.
  std::uint64_t first_report_ns() const noexcept { return first_report_ns_.load(std::memory_order_relaxed); }

 private:
  void note_first_report() noexcept;

  alignas(64) std::atomic<std::uint64_t> acked_{0};
  std::atomic<std::uint64_t> first_report_ns_{0};
  alignas(64) mutable std::mutex mu_;
  LatencyHistogram latency_;
  std::uint64_t failed_ = 0;
  std::string first_error_;
};

// CPU seconds (user + system) of this process so far, and its peak RSS.
double process_cpu_seconds() noexcept;
double peak_rss_mb() noexcept;

struct PerfReport {
  // "produce": acked = records acknowledged; "consume" (kwire perf consume):
  // acked = records read, record_size = their mean key + value bytes,
  // first_report_ms = time to the first record, no latency figures.
  std::string mode = "produce";
  std::string client;        // "kwire" or "librdkafka <version>"
  std::string topic;
  std::uint64_t records = 0;  // asked for
  std::uint64_t acked = 0;
  std::uint64_t failed = 0;
  std::size_t record_size = 0;
  double seconds = 0;         // first send to last delivery report
  double cpu_seconds = 0;     // user + system, every thread of the process
  ProcessUsage usage;         // the run's share of getrusage(RUSAGE_SELF)
  std::vector<ThreadCpu> thread_cpu;  // per thread, from its start to the end of the run
  double peak_rss_mb = 0;
  int threads = 1;                   // sending threads
  std::uint64_t sample_every = 1;    // one record in this many was timed
  double first_report_ms = 0;        // first send to first delivery report (start-up)
  std::uint64_t latency_samples = 0;
  double p50_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0;
  std::string first_error;
  std::string settings;       // the -X properties, "k=v,k=v"
  std::string effective_config;  // what the client runs with (PerfClient::effective_config)
  std::string client_metrics;    // PerfClient::metrics_json() after the run; JSON only ("metrics")

  double records_per_second() const noexcept { return seconds > 0 ? static_cast<double>(acked) / seconds : 0; }
  double mb_per_second() const noexcept {
    return seconds > 0 ? static_cast<double>(acked) * static_cast<double>(record_size) / 1e6 / seconds : 0;
  }
  std::string to_text() const;
  std::string to_json() const;
};

}  // namespace kwire::tool
