// Options and checks shared by the commands that talk to a cluster: -b, -X
// (kcat's flag names) and the bounded connect/request timeouts they map to.
// The usage-error report is usage_error() in cli/args.hpp.
#pragma once

#include <string>
#include <string_view>

#include "cli/args.hpp"
#include "cli/broker_session.hpp"

namespace kwire::tool {

inline constexpr OptionSpec kBrokersOption{'b', "", "BROKERS",
                                           "bootstrap brokers host:port[,...] (default: start an embedded cluster)"};
inline constexpr OptionSpec kPropertyOption{'X', "", "prop=value", "client property, Java or librdkafka names (repeatable)", true};

// Session timeouts from -X socket.connection.setup.timeout.ms and
// request.timeout.ms, TLS/SASL from -X security.*, ssl.*, sasl.* (Java or
// librdkafka names, as a Producer reads them); other -X keys are left to the
// caller. False (with `why`) for a bad value or unusable key/trust material.
bool session_options_from(const ParsedArgs& args, SessionOptions& out, std::string& why);

}  // namespace kwire::tool
