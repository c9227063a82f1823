// The kwire::Producer properties a tool command uses: bootstrap.servers, the
// command's -X properties, and bounded defaults (max.block.ms,
// request.timeout.ms, delivery.timeout.ms) so a command against an
// unreachable cluster fails in seconds rather than minutes. -X wins.
#pragma once

#include <string>

#include "cli/args.hpp"
#include "kwire/producer_config.hpp"

namespace kwire::tool {

// Fills `out`; false with `why` when a -X is not prop=value.
bool producer_properties(const ParsedArgs& args, const std::string& bootstrap, kwire::Properties& out,
                         std::string& why);

}  // namespace kwire::tool
