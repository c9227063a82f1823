// Producer properties for tool commands (see producer_options.hpp).
#include "cli/producer_options.hpp"

namespace kwire::tool {

bool producer_properties(const ParsedArgs& args, const std::string& bootstrap, kwire::Properties& out,
                         std::string& why) {
  out["bootstrap.servers"] = bootstrap;
  out["client.id"] = "kwire-cli";
  out["max.block.ms"] = "10000";
  out["request.timeout.ms"] = "10000";
  out["delivery.timeout.ms"] = "30000";
  for (const auto& x : args.all("X")) {
    auto kv = split_property(x);
    if (!kv) {
      why = "-X needs prop=value, got '" + x + "'";
      return false;
    }
    out[kv->first] = kv->second;
  }
  return true;
}

}  // namespace kwire::tool
