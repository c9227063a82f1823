// The preamble of the one-shot commands that talk to brokers through a
// BrokerSession (api-versions, metadata): parse the flags, read the session
// options from -X, pick the cluster (-b or an embedded one).
#pragma once

#include <optional>

#include "cli/args.hpp"
#include "cli/broker_session.hpp"
#include "cli/cluster_target.hpp"

namespace kwire::tool {

struct SessionCommand {
  ParsedArgs args;
  SessionOptions options;
  ClusterTarget target;
};

struct SessionCommandOutcome {
  std::optional<SessionCommand> command;
  int exit_code = 0;  // meaningful only when command is empty
};

// argv[2..argc) as `spec` says; on --help, a usage error, a bad -X value or
// a cluster that cannot be started, the reason is printed and `command` is
// empty (exit code 0 for --help, 2 for bad usage, 1 otherwise).
SessionCommandOutcome open_session_command(const CommandSpec& spec, int argc, char** argv);

}  // namespace kwire::tool
