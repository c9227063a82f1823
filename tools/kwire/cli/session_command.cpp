// See session_command.hpp.
#include "cli/session_command.hpp"

#include <string>
#include <utility>

#include "cli/common_options.hpp"

namespace kwire::tool {

SessionCommandOutcome open_session_command(const CommandSpec& spec, int argc, char** argv) {
  auto parsed = parse_or_usage(spec, argc, argv, 2);
  if (!parsed.args) return {std::nullopt, parsed.exit_code};
  SessionOptions options;
  std::string why;
  if (!session_options_from(*parsed.args, options, why)) return {std::nullopt, usage_error(spec, why)};
  auto target = resolve_cluster(*parsed.args, spec.name);
  if (!target) return {std::nullopt, 1};
  return {SessionCommand{std::move(*parsed.args), std::move(options), std::move(*target)}, 0};
}

}  // namespace kwire::tool
