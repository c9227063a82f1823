// Options and checks shared by the commands that talk to a cluster: -b, -X
// (kcat's flag names), the bounded connect/request timeouts they map to, and
// the one-line "bad usage" report.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "cli/args.hpp"
#include "cli/broker_session.hpp"

namespace kwire::tool {

inline constexpr OptionSpec kBrokersOption{'b', "", "BROKERS",
                                           "bootstrap brokers host:port[,...] (default: start an embedded cluster)"};
inline constexpr OptionSpec kPropertyOption{'X', "", "prop=value", "client property, Java names (repeatable)", true};

// Prints "kwire <command>: <why>" and the usage; returns 2 (bad usage).
inline int bad_usage(std::string_view command, const std::string& why, std::string_view synopsis,
                     std::span<const OptionSpec> specs) {
  std::fprintf(stderr, "kwire %.*s: %s\n%s", static_cast<int>(command.size()), command.data(), why.c_str(),
               usage(synopsis, specs).c_str());
  return 2;
}

// Session timeouts from -X socket.connection.setup.timeout.ms and
// request.timeout.ms; other -X keys are left to the caller. False (with
// `why`) for a bad value.
bool session_options_from(const ParsedArgs& args, SessionOptions& out, std::string& why);

}  // namespace kwire::tool
