// The `kwire perf consume` loop: polls a ConsumeClient until it has read
// settings.count records (or fails, or reads nothing for 30 s), shows a live
// progress line on a terminal, and returns the same summary as perf
// produce (mode "consume": records read, MB/s of keys and values, CPU and
// context switches per record, CPU per thread, time to the first record).
#pragma once

#include "perf/consume_client.hpp"
#include "perf/perf_stats.hpp"

namespace kwire::tool {

PerfReport run_consume(const ConsumeSettings& settings, ConsumeClient& client);

}  // namespace kwire::tool
