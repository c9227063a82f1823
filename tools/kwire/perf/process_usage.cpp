// Process and thread CPU accounting (see process_usage.hpp).
#include "perf/process_usage.hpp"

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace kwire::tool {

namespace {

double seconds_of(const timeval& t) noexcept {
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
}

// A thread's CPU time to the nanosecond: the kernel's per-thread CPU clock
// of another thread of this process, addressed by its id as glibc's
// pthread_getcpuclockid does (the CPUCLOCK encoding: ~tid << 3, per-thread
// bit 4, scheduler clock 2).
bool read_clock_cpu(long tid, double& cpu_s) {
  const auto clock = static_cast<clockid_t>((~static_cast<unsigned long>(tid) << 3) | 4u | 2u);
  timespec ts{};
  if (clock_gettime(clock, &ts) != 0) return false;
  cpu_s = static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
  return true;
}

// The same from /proc (clock ticks, usually 10 ms): utime + stime, fields 14
// and 15 of the stat line, after the parenthesised name, which may itself
// hold spaces and parentheses.
bool read_stat_cpu(const std::filesystem::path& stat, double& cpu_s) {
  std::ifstream in(stat);
  std::string line;
  if (!std::getline(in, line)) return false;
  auto close = line.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream fields(line.substr(close + 2));
  std::string skip;
  for (int i = 3; i < 14 && fields >> skip; ++i) {
  }
  unsigned long long utime = 0, stime = 0;
  if (!(fields >> utime >> stime)) return false;
  cpu_s = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  return true;
}

}  // namespace

ProcessUsage ProcessUsage::since(const ProcessUsage& start) const noexcept {
  ProcessUsage d;
  d.user_s = user_s - start.user_s;
  d.sys_s = sys_s - start.sys_s;
  d.voluntary_cs = voluntary_cs - start.voluntary_cs;
  d.involuntary_cs = involuntary_cs - start.involuntary_cs;
  return d;
}

ProcessUsage process_usage() noexcept {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  ProcessUsage p;
  p.user_s = seconds_of(u.ru_utime);
  p.sys_s = seconds_of(u.ru_stime);
  p.voluntary_cs = static_cast<std::uint64_t>(u.ru_nvcsw);
  p.involuntary_cs = static_cast<std::uint64_t>(u.ru_nivcsw);
  return p;
}

double this_thread_cpu_seconds() noexcept {
  timespec ts{};
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::vector<ThreadCpu> living_threads_cpu() {
  std::vector<ThreadCpu> out;
  std::error_code ec;
  const std::string self = std::to_string(getpid());
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    ThreadCpu t;
    t.tid = std::atol(task.path().filename().c_str());
    if (!read_clock_cpu(t.tid, t.cpu_s) && !read_stat_cpu(task.path() / "stat", t.cpu_s)) continue;
    if (task.path().filename() == self) {
      t.name = "main";
    } else {
      std::ifstream comm(task.path() / "comm");
      std::getline(comm, t.name);
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<ThreadCpu> threads_cpu_since(const std::vector<ThreadCpu>& before) {
  std::map<long, double> base;
  for (const auto& t : before) base[t.tid] = t.cpu_s;
  std::vector<ThreadCpu> out;
  for (auto t : living_threads_cpu()) {
    if (auto it = base.find(t.tid); it != base.end()) t.cpu_s -= it->second;
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace kwire::tool
