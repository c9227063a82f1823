// Delivery accounting and the perf summary (see perf_stats.hpp).
#include "perf/perf_stats.hpp"

#include <sys/resource.h>

#include <cstdio>

namespace kwire::tool {

std::uint64_t now_ns() noexcept {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

void PerfStats::note_first_report() noexcept {
  if (first_report_ns_.load(std::memory_order_relaxed) != 0) return;
  std::uint64_t none = 0;
  first_report_ns_.compare_exchange_strong(none, now_ns(), std::memory_order_relaxed);
}

void PerfStats::on_acked(std::uint64_t sent_ns) {
  acked_.fetch_add(1, std::memory_order_relaxed);
  note_first_report();
  if (sent_ns == 0) return;
  const std::uint64_t now = now_ns();
  std::lock_guard lock(mu_);
  latency_.record(now > sent_ns ? (now - sent_ns) / 1000 : 0);
}

void PerfStats::on_failed(std::string_view error) {
  note_first_report();
  std::lock_guard lock(mu_);
  ++failed_;
  if (first_error_.empty()) first_error_ = std::string(error);
}

std::uint64_t PerfStats::failed() const {
  std::lock_guard lock(mu_);
  return failed_;
}
std::string PerfStats::first_error() const {
  std::lock_guard lock(mu_);
  return first_error_;
}
LatencyHistogram PerfStats::latency() const {
  std::lock_guard lock(mu_);
  return latency_;
}

double process_cpu_seconds() noexcept {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

double peak_rss_mb() noexcept {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

namespace {

std::string json_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string PerfReport::to_text() const {
  char buf[1536];
  const std::string sending_threads =
      mode == "consume" ? "" : ", " + std::to_string(threads) + " sending thread" + (threads == 1 ? "" : "s");
  const double n = acked > 0 ? static_cast<double>(acked) : 1;
  std::snprintf(buf, sizeof buf,
                "kwire perf %s: %llu of %llu records of %zu B %s %s in %.3f s (client: %s%s)\n"
                "  throughput  %.0f records/s  %.2f MB/s\n"
                "  cpu         %.3f s user + %.3f s sys  (%.2f us/record)\n"
                "  switches    %llu voluntary + %llu involuntary  (%.2f per 1,000 records)\n"
                "  latency     p50 %.3f ms  p99 %.3f ms  p99.9 %.3f ms  max %.3f ms  (%llu records timed, 1 in %llu; "
                "first report after %.1f ms)\n"
                "  errors      %llu%s%s\n"
                "  peak rss    %.1f MB\n",
                mode.c_str(), static_cast<unsigned long long>(acked), static_cast<unsigned long long>(records),
                record_size, mode == "consume" ? "read from" : "acknowledged by", topic.c_str(), seconds, client.c_str(), sending_threads.c_str(), records_per_second(),
                mb_per_second(), usage.user_s, usage.sys_s, cpu_seconds * 1e6 / n,
                static_cast<unsigned long long>(usage.voluntary_cs), static_cast<unsigned long long>(usage.involuntary_cs),
                static_cast<double>(usage.voluntary_cs + usage.involuntary_cs) * 1000.0 / n, p50_ms, p99_ms, p999_ms,
                max_ms, static_cast<unsigned long long>(latency_samples), static_cast<unsigned long long>(sample_every),
                first_report_ms, static_cast<unsigned long long>(failed), first_error.empty() ? "" : "  first: ",
                first_error.c_str(), peak_rss_mb);
  std::string out = buf;
  out += "  threads    ";
  for (const auto& t : thread_cpu) {
    std::snprintf(buf, sizeof buf, " %s %.3f s", t.name.c_str(), t.cpu_s);
    out += buf;
  }
  return out + "\n  config      " + effective_config + "\n";
}

std::string PerfReport::to_json() const {
  char buf[1536];
  std::snprintf(buf, sizeof buf,
                "{\"mode\":\"%s\",\"client\":\"%s\",\"topic\":\"%s\",\"records\":%llu,\"acked\":%llu,\"failed\":%llu,"
                "\"record_size\":%zu,\"threads\":%d,\"seconds\":%.6f,\"records_per_s\":%.1f,\"mb_per_s\":%.3f,"
                "\"cpu_s\":%.6f,\"user_s\":%.6f,\"sys_s\":%.6f,\"voluntary_cs\":%llu,\"involuntary_cs\":%llu,"
                "\"sample_every\":%llu,\"latency_samples\":%llu,\"first_report_ms\":%.3f,"
                "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f,\"peak_rss_mb\":%.1f,",
                json_escape(mode).c_str(), json_escape(client).c_str(), json_escape(topic).c_str(), static_cast<unsigned long long>(records),
                static_cast<unsigned long long>(acked), static_cast<unsigned long long>(failed), record_size, threads,
                seconds, records_per_second(), mb_per_second(), cpu_seconds, usage.user_s, usage.sys_s,
                static_cast<unsigned long long>(usage.voluntary_cs), static_cast<unsigned long long>(usage.involuntary_cs),
                static_cast<unsigned long long>(sample_every), static_cast<unsigned long long>(latency_samples),
                first_report_ms, p50_ms, p99_ms, p999_ms, max_ms, peak_rss_mb);
  std::string out = buf;
  out += "\"thread_cpu\":[";
  for (std::size_t i = 0; i < thread_cpu.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%s{\"name\":\"%s\",\"cpu_s\":%.6f}", i ? "," : "",
                  json_escape(thread_cpu[i].name).c_str(), thread_cpu[i].cpu_s);
    out += buf;
  }
  out += "],\"settings\":\"" + json_escape(settings) + "\",\"config\":\"" + json_escape(effective_config) +
         "\",\"first_error\":\"" + json_escape(first_error) + "\"";
  if (!client_metrics.empty()) out += ",\"metrics\":" + client_metrics;
  return out + "}\n";
}

}  // namespace kwire::tool
