// Shared cluster options (see common_options.hpp).
#include "cli/common_options.hpp"

namespace kwire::tool {

bool session_options_from(const ParsedArgs& args, SessionOptions& out, std::string& why) {
  for (const auto& x : args.all("X")) {
    auto kv = split_property(x);
    if (!kv) {
      why = "-X needs prop=value, got '" + x + "'";
      return false;
    }
    // These commands open their own connections without TLS or SASL: refuse
    // the settings rather than quietly connecting in plaintext.
    const std::string& key = kv->first;
    if (key.rfind("security.", 0) == 0 || key.rfind("ssl.", 0) == 0 || key.rfind("sasl.", 0) == 0) {
      why = "-X " + key + ": this command connects without TLS/SASL so far (kwire produce and perf take them)";
      return false;
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
  return true;
}

}  // namespace kwire::tool
