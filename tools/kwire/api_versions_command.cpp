// `kwire api-versions [-b BROKERS]`: the API versions a broker supports, next
// to kwire's own range and the version kwire would use, from the ApiVersions
// exchange kwire's connection layer does on connect.
#include <cstdio>

#include "cli/common_options.hpp"
#include "cli/session_command.hpp"
#include "commands.hpp"
#include "kwire/protocol/api_table.hpp"

namespace kwire::tool {
namespace {

constexpr OptionSpec kOptions[] = {kBrokersOption, kPropertyOption};
constexpr const char* kSynopsis = "api-versions [-b BROKERS] [-X prop=value]...";
constexpr CommandSpec kCommand{"api-versions", kSynopsis, kOptions};

}  // namespace
}  // namespace kwire::tool

int run_api_versions(int argc, char** argv) {
  using namespace kwire::tool;
  auto opened = open_session_command(kCommand, argc, argv);
  if (!opened.command) return opened.exit_code;
  const ClusterTarget& target = opened.command->target;

  BrokerSession session(target.bootstrap, opened.command->options);
  std::string detail;
  auto [ec, conn] = session.run(session.bootstrap_connection(detail));
  if (ec) {
    std::fprintf(stderr, "kwire api-versions: cannot reach %s: %s\n", target.bootstrap.c_str(), detail.c_str());
    return 1;
  }
  std::printf("Broker %s:%u answered ApiVersions v%d; %zu APIs:\n", conn->host().c_str(), conn->port(),
              conn->api_versions_version(), conn->api_versions().size());
  std::printf("  %-4s %-28s %-9s %-9s %s\n", "key", "api", "broker", "kwire", "used");
  for (std::int16_t key = 0; key < 128; ++key) {
    auto range = conn->api_versions().broker_range(key);
    if (!range || range->max_version < range->min_version) continue;
    const auto* api = kwire::protocol::find_api(key);
    std::string ours = api ? std::to_string(api->min_version) + "-" + std::to_string(api->max_version) : "-";
    std::string used = "-";
    std::int16_t v = 0;
    if (api && !conn->select_version(key, api->min_version, api->max_version, std::nullopt, v)) used = "v" + std::to_string(v);
    std::printf("  %-4d %-28s %-9s %-9s %s\n", key, api ? std::string(api->name).c_str() : "(unknown to kwire)",
                (std::to_string(range->min_version) + "-" + std::to_string(range->max_version)).c_str(), ours.c_str(),
                used.c_str());
  }
  return 0;
}
