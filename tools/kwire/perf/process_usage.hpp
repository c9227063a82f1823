// Where a `kwire perf` run's CPU went: the process's resource usage
// (getrusage: user and system time, voluntary and involuntary context
// switches) and the CPU time of each of its threads by name, so a run shows
// how a client spreads its work (application threads, io threads, librdkafka's
// rdk:* threads). Any thread may call these; they only read the kernel's counters.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kwire::tool {

struct ProcessUsage {
  double user_s = 0;
  double sys_s = 0;
  std::uint64_t voluntary_cs = 0;    // the thread gave up the CPU (blocked, slept)
  std::uint64_t involuntary_cs = 0;  // the scheduler took it away
  // This usage minus an earlier snapshot.
  ProcessUsage since(const ProcessUsage& start) const noexcept;
};

// getrusage(RUSAGE_SELF): every thread of the process, living or ended.
ProcessUsage process_usage() noexcept;

struct ThreadCpu {
  std::string name;  // the thread's name (comm); the process's first thread is "main"
  long tid = 0;      // 0 for a thread that reported itself (this_thread_cpu_seconds)
  double cpu_s = 0;  // user + system since the thread started
};

// The calling thread's CPU time (user + system) so far.
double this_thread_cpu_seconds() noexcept;
// Every living thread of the process, from /proc/self/task; empty where
// there is no /proc.
std::vector<ThreadCpu> living_threads_cpu();
// Each living thread's CPU since `before` (an earlier living_threads_cpu()):
// its total minus what it had then; threads started since count whole.
std::vector<ThreadCpu> threads_cpu_since(const std::vector<ThreadCpu>& before);

}  // namespace kwire::tool
