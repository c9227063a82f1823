// `kwire metadata [-b BROKERS] [-t TOPIC]...`: the cluster's brokers and
// topics, like `kcat -L`, through kwire's connection layer and generated
// Metadata messages.
#include <cstdio>

#include "cli/common_options.hpp"
#include "cli/session_command.hpp"
#include "commands.hpp"
#include "kwire/protocol/errors.hpp"

namespace kwire::tool {
namespace {

constexpr OptionSpec kOptions[] = {
    kBrokersOption,
    {'t', "", "TOPIC", "only this topic (repeatable)", true},
    kPropertyOption,
};
constexpr const char* kSynopsis = "metadata [-b BROKERS] [-t TOPIC]... [-X prop=value]...";
constexpr CommandSpec kCommand{"metadata", kSynopsis, kOptions};

std::string join(const std::vector<std::int32_t>& ids) {
  std::string out;
  for (auto id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

}  // namespace
}  // namespace kwire::tool

int run_metadata(int argc, char** argv) {
  using namespace kwire::tool;
  auto opened = open_session_command(kCommand, argc, argv);
  if (!opened.command) return opened.exit_code;
  const auto& a = opened.command->args;
  const ClusterTarget& target = opened.command->target;

  BrokerSession session(target.bootstrap, opened.command->options);
  std::optional<std::vector<std::string>> topics;
  if (a.has("t")) topics = a.all("t");
  std::string detail;
  auto [ec, md] = session.run(session.metadata(topics, detail));
  if (ec) {
    std::fprintf(stderr, "kwire metadata: cannot get metadata from %s: %s\n", target.bootstrap.c_str(),
                 detail.c_str());
    return 1;
  }
  std::printf("Metadata from %s (cluster id %s, controller %d):\n", target.bootstrap.c_str(),
              md.cluster_id ? md.cluster_id->c_str() : "none", md.controller_id);
  std::printf(" %zu broker%s:\n", md.brokers.size(), md.brokers.size() == 1 ? "" : "s");
  for (const auto& b : md.brokers)
    std::printf("  broker %d at %s:%d%s\n", b.node_id, b.host.c_str(), b.port,
                b.node_id == md.controller_id ? " (controller)" : "");
  std::printf(" %zu topic%s:\n", md.topics.size(), md.topics.size() == 1 ? "" : "s");
  int status = 0;
  for (const auto& t : md.topics) {
    const char* name = t.name ? t.name->c_str() : "?";
    if (t.error_code != 0) {
      std::printf("  topic \"%s\" error: %s\n", name,
                  std::string(kwire::protocol::kafka_error_name(t.error_code)).c_str());
      status = 1;
      continue;
    }
    std::printf("  topic \"%s\" with %zu partition%s:\n", name, t.partitions.size(),
                t.partitions.size() == 1 ? "" : "s");
    for (const auto& p : t.partitions) {
      std::printf("    partition %d, leader %d, replicas: %s, isrs: %s", p.partition_index, p.leader_id,
                  join(p.replica_nodes).c_str(), join(p.isr_nodes).c_str());
      if (p.error_code != 0)
        std::printf(", error %s", std::string(kwire::protocol::kafka_error_name(p.error_code)).c_str());
      std::printf("\n");
    }
  }
  if (status != 0) std::fprintf(stderr, "kwire metadata: some topics are unknown or in error (see above)\n");
  return status;
}
