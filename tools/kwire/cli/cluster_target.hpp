// Where a command sends its requests: the brokers given with -b, or, when no
// -b was given, an embedded cluster started for the command's lifetime. The
// rule is the same for every command that needs a cluster, and the embedded
// case is always announced on stderr so nobody mistakes it for a real one.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cli/args.hpp"
#include "cli/embedded_cluster.hpp"

namespace kwire::tool {

struct ClusterTarget {
  std::string bootstrap;                      // "host:port,..."
  std::unique_ptr<EmbeddedCluster> embedded;  // set when we started one
};

// Uses args' "b" value, or starts an embedded cluster of `brokers` brokers
// and says so on stderr. Prints the reason and returns nullopt on failure.
std::optional<ClusterTarget> resolve_cluster(const ParsedArgs& args, std::string_view command, int brokers = 1);

}  // namespace kwire::tool
