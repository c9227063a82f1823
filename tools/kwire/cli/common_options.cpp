// Shared cluster options (see common_options.hpp).
#include "cli/common_options.hpp"

#include "kwire/errors.hpp"
#include "kwire/security.hpp"

namespace kwire::tool {

bool session_options_from(const ParsedArgs& args, SessionOptions& out, std::string& why) {
  kwire::Properties security;
  for (const auto& x : args.all("X")) {
    auto kv = split_property(x);
    if (!kv) {
      why = "-X needs prop=value, got '" + x + "'";
      return false;
    }
    // TLS and SASL as a Producer takes them, so every command reaches the
    // same brokers with the same -X settings.
    if (kwire::is_security_property(kv->first)) {
      security[kv->first] = kv->second;
      continue;
    }
    auto ms = [&](std::chrono::milliseconds& field) {
      auto v = parse_int(kv->second, 1, 3'600'000);
      if (!v) {
        why = "-X " + kv->first + " must be a number of milliseconds";
        return false;
      }
      field = std::chrono::milliseconds(*v);
      return true;
    };
    if (kv->first == "socket.connection.setup.timeout.ms" && !ms(out.connect_timeout)) return false;
    if (kv->first == "request.timeout.ms" && !ms(out.request_timeout)) return false;
  }
  try {
    out.security = kwire::net_security_from_properties(security);
  } catch (const kwire::ConfigError& e) {
    why = std::string("-X ") + e.what();
    return false;
  }
  return true;
}

}  // namespace kwire::tool
