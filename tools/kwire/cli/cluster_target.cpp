// Chooses between -b brokers and an embedded cluster (see cluster_target.hpp).
#include "cli/cluster_target.hpp"

#include <cstdio>

namespace kwire::tool {

std::optional<ClusterTarget> resolve_cluster(const ParsedArgs& args, std::string_view command, int brokers) {
  ClusterTarget target;
  if (auto b = args.get("b")) {
    if (b->empty()) {
      std::fprintf(stderr, "kwire %.*s: -b needs at least one host:port\n", static_cast<int>(command.size()),
                   command.data());
      return std::nullopt;
    }
    target.bootstrap = *b;
    return target;
  }
  std::string error;
  target.embedded = EmbeddedCluster::start(brokers, error);
  if (!target.embedded) {
    std::fprintf(stderr, "kwire %.*s: no -b given and %s\n", static_cast<int>(command.size()), command.data(),
                 error.c_str());
    return std::nullopt;
  }
  target.bootstrap = target.embedded->bootstrap();
  std::fprintf(stderr, "kwire %.*s: no -b given: started an embedded cluster (librdkafka mock, %d broker%s) at %s\n",
               static_cast<int>(command.size()), command.data(), brokers, brokers == 1 ? "" : "s",
               target.bootstrap.c_str());
  return target;
}

}  // namespace kwire::tool
