// The perf loop (see perf_runner.hpp).
#include "perf/perf_runner.hpp"

#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
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

// What one sending thread did. Written by that thread only; `sent` is
// published every kPublishEvery records for the progress line (a plain
// store, no read-modify-write), the rest is read after the thread ended.
struct alignas(64) SenderTally {
  std::atomic<std::uint64_t> sent{0};
  std::uint64_t send_failures = 0;
  std::string first_error;
  double cpu_s = 0;
};
constexpr std::uint64_t kPublishEvery = 1024;

struct RunShared {
  const PerfSettings& s;
  PerfClient& client;
  PerfStats& stats;
  const PerfPayload& payload;
  std::vector<SenderTally>& tallies;
  std::uint64_t start_ns;
  bool live;
};

std::uint64_t total_sent(const std::vector<SenderTally>& tallies) {
  std::uint64_t n = 0;
  for (const auto& t : tallies) n += t.sent.load(std::memory_order_relaxed);
  return n;
}

void print_progress(const RunShared& run) {
  double secs = static_cast<double>(now_ns() - run.start_ns) / 1e9;
  auto acked = run.stats.acked();
  auto failed = run.stats.failed();
  auto sent = total_sent(run.tallies);
  double rps = secs > 0 ? static_cast<double>(acked) / secs : 0;
  std::fprintf(stderr, "\r  %llu sent  %llu acked  %.0f rec/s  %.2f MB/s  in flight %llu  errors %llu   ",
               static_cast<unsigned long long>(sent), static_cast<unsigned long long>(acked), rps,
               rps * static_cast<double>(run.s.size) / 1e6,
               static_cast<unsigned long long>(sent - std::min(sent, acked + failed)),
               static_cast<unsigned long long>(failed));
}

// Sending thread `t` of `n`: records [count*t/n, count*(t+1)/n), at rate/n
// records/s when a rate is set. Thread 0 (the caller's) keeps the progress line.
void send_share(const RunShared& run, int t, int n) {
  const PerfSettings& s = run.s;
  SenderTally& tally = run.tallies[static_cast<std::size_t>(t)];
  const std::uint64_t first = s.count * static_cast<std::uint64_t>(t) / static_cast<std::uint64_t>(n);
  const std::uint64_t last = s.count * static_cast<std::uint64_t>(t + 1) / static_cast<std::uint64_t>(n);
  const double ns_per_record = s.rate > 0 ? 1e9 * n / s.rate : 0;
  const std::uint64_t sample_every = std::max<std::uint64_t>(1, s.sample_every);
  std::uint64_t next_progress = run.start_ns + 500'000'000ull;
  std::uint64_t sent = 0;
  std::string error;
  for (std::uint64_t i = first; i < last; ++i) {
    if (ns_per_record > 0) {
      const auto due = run.start_ns + static_cast<std::uint64_t>(static_cast<double>(i - first) * ns_per_record);
      while (now_ns() < due) {
        run.client.service(std::chrono::milliseconds(0));
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      }
    }
    // The same records are timed for every client and thread count.
    const std::uint64_t sent_ns = i % sample_every == 0 ? now_ns() : 0;
    SendStatus st;
    while ((st = run.client.send(run.payload.record(i), sent_ns, error)) == SendStatus::queue_full)
      run.client.service(std::chrono::milliseconds(1));
    if (st == SendStatus::failed) {
      ++tally.send_failures;
      if (tally.first_error.empty()) tally.first_error = error;
    } else {
      ++sent;
    }
    if ((i - first + 1) % kPublishEvery == 0) {
      tally.sent.store(sent, std::memory_order_relaxed);
      run.client.service(std::chrono::milliseconds(0));
      if (t == 0 && run.live && now_ns() >= next_progress) {
        print_progress(run);
        next_progress = now_ns() + 500'000'000ull;
      }
    }
  }
  tally.sent.store(sent, std::memory_order_relaxed);
}

// Each living thread's CPU during the run (its total minus what it had used
// at `before`), plus the sending threads that already ended.
std::vector<ThreadCpu> run_threads_cpu(const std::vector<ThreadCpu>& before,
                                       const std::vector<SenderTally>& tallies) {
  std::vector<ThreadCpu> out = threads_cpu_since(before);
  for (std::size_t i = 1; i < tallies.size(); ++i)
    out.push_back(ThreadCpu{"perf-send-" + std::to_string(i), 0, tallies[i].cpu_s});
  std::sort(out.begin(), out.end(), [](const ThreadCpu& a, const ThreadCpu& b) { return a.cpu_s > b.cpu_s; });
  return out;
}

}  // namespace

PerfReport run_perf(const PerfSettings& s, PerfClient& client, PerfStats& stats) {
  PerfPayload payload(s.size);
  const int n = std::max(1, s.threads);
  std::vector<SenderTally> tallies(static_cast<std::size_t>(n));
  const auto threads_before = living_threads_cpu();
  const ProcessUsage usage_start = process_usage();
  const RunShared run{s, client, stats, payload, tallies, now_ns(), isatty(STDERR_FILENO) != 0};
  std::vector<std::thread> senders;
  for (int t = 1; t < n; ++t) {
    senders.emplace_back([&run, &tallies, t, n] {
      pthread_setname_np(pthread_self(), ("perf-send-" + std::to_string(t)).c_str());
      send_share(run, t, n);
      tallies[static_cast<std::size_t>(t)].cpu_s = this_thread_cpu_seconds();
    });
  }
  send_share(run, 0, n);
  for (auto& th : senders) th.join();
  std::uint64_t sent = total_sent(tallies);

  // Wait for the last delivery report, keeping the progress line alive.
  const auto flush_deadline = now_ns() + 120'000'000'000ull;
  while (!client.flush(std::chrono::milliseconds(500))) {
    if (run.live) print_progress(run);
    if (now_ns() > flush_deadline) break;
  }
  const std::uint64_t end = now_ns();
  if (run.live) {
    print_progress(run);
    std::fputs("\n", stderr);
  }

  PerfReport r;
  r.client = client.name();
  r.topic = s.topic;
  r.records = s.count;
  r.record_size = s.size;
  r.threads = n;
  r.sample_every = std::max<std::uint64_t>(1, s.sample_every);
  r.acked = stats.acked();
  std::uint64_t send_failures = 0;
  std::string first_send_error;
  for (const auto& t : tallies) {
    send_failures += t.send_failures;
    if (first_send_error.empty()) first_send_error = t.first_error;
  }
  r.failed = stats.failed() + send_failures + (sent - std::min(sent, stats.acked() + stats.failed()));
  r.seconds = static_cast<double>(end - run.start_ns) / 1e9;
  r.usage = process_usage().since(usage_start);
  r.cpu_seconds = r.usage.user_s + r.usage.sys_s;
  r.thread_cpu = run_threads_cpu(threads_before, tallies);
  r.peak_rss_mb = peak_rss_mb();
  if (auto first = stats.first_report_ns(); first > run.start_ns)
    r.first_report_ms = static_cast<double>(first - run.start_ns) / 1e6;
  auto h = stats.latency();
  r.latency_samples = h.count();
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
