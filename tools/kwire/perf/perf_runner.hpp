// The `kwire perf produce` loop: sends settings.count records of
// settings.size bytes through a PerfClient at an optional fixed rate, from
// settings.threads threads (the calling thread and threads - 1 more, each
// with its share of the records and of the rate), timing every
// settings.sample_every-th record; shows a live progress line on a terminal,
// waits for every delivery report and returns the summary with the process's
// CPU, context switches and per-thread CPU during the run.
#pragma once

#include "perf/perf_client.hpp"
#include "perf/perf_stats.hpp"

namespace kwire::tool {

PerfReport run_perf(const PerfSettings& settings, PerfClient& client, PerfStats& stats);

// The record values a run sends: printable pseudo-random bytes from a fixed
// seed (the same for every client, so compressed sizes match), a different
// window for each record.
class PerfPayload {
 public:
  explicit PerfPayload(std::size_t size);
  kwire::protocol::Bytes record(std::uint64_t index) const noexcept;

 private:
  static constexpr std::size_t kWindows = 4096;
  std::size_t size_;
  std::vector<std::uint8_t> data_;
};

}  // namespace kwire::tool
