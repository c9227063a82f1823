// The options `kwire perf produce` and `kwire perf consume` share (-t, -n,
// -s, -p, -X, --json and the cluster to run against), read in one place so
// the two commands accept and refuse them alike.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/args.hpp"
#include "cli/cluster_target.hpp"

namespace kwire::tool {

struct PerfArgs {
  std::string topic;
  std::uint64_t count = 0;
  std::size_t size = 100;
  std::int32_t partition = -1;  // -1: not given
  std::vector<std::pair<std::string, std::string>> properties;  // -X, Java property names
  bool json = false;
};

// Reads the shared options. On a bad value reports the usage error and
// returns its exit code; nothing when every value is good.
std::optional<int> parse_perf_args(const CommandSpec& command, const ParsedArgs& args, PerfArgs& out);

// The cluster of -b, or an embedded one (said on stderr: its broker's CPU
// counts in this process's figures). Nothing when it cannot be had.
std::optional<ClusterTarget> perf_cluster(const CommandSpec& command, const ParsedArgs& args);

}  // namespace kwire::tool
