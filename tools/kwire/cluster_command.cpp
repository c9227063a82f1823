// `kwire cluster [-n BROKERS] [-T TOPIC[:PARTITIONS]]...`: starts the embedded
// cluster (librdkafka's mock cluster), prints its bootstrap address on stdout
// and keeps it running until SIGINT or SIGTERM.
#include <csignal>
#include <cstdio>

#include "cli/args.hpp"
#include "cli/embedded_cluster.hpp"
#include "commands.hpp"

namespace kwire::tool {
namespace {

constexpr OptionSpec kOptions[] = {
    {'n', "brokers", "BROKERS", "number of brokers (default 1)"},
    {'T', "topic", "TOPIC[:PARTITIONS]", "create a topic up front (repeatable; topics are also auto-created)", true},
};
constexpr const char* kSynopsis = "cluster [-n BROKERS] [-T TOPIC[:PARTITIONS]]...";
constexpr CommandSpec kCommand{"cluster", kSynopsis, kOptions};

}  // namespace
}  // namespace kwire::tool

int run_cluster(int argc, char** argv) {
  using namespace kwire::tool;
  auto parsed = parse_or_usage(kCommand, argc, argv, 2);
  if (!parsed.args) return parsed.exit_code;
  const auto& a = *parsed.args;
  auto n = parse_int(a.get_or("brokers", "1"), 1, 64);
  if (!n) {
    std::fprintf(stderr, "kwire cluster: -n must be a number of brokers from 1 to 64\n");
    return 2;
  }
  // Block the stop signals before the mock starts its threads, so only
  // sigwait() below receives them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  std::string error;
  auto cluster = EmbeddedCluster::start(static_cast<int>(*n), error);
  if (!cluster) {
    std::fprintf(stderr, "kwire cluster: %s\n", error.c_str());
    return 1;
  }
  for (const auto& spec : a.all("topic")) {
    auto colon = spec.rfind(':');
    std::string name = spec.substr(0, colon);
    std::int64_t partitions = 1;
    if (colon != std::string::npos) {
      auto p = parse_int(std::string_view(spec).substr(colon + 1), 1, 10000);
      if (!p) {
        std::fprintf(stderr, "kwire cluster: bad partition count in -T %s\n", spec.c_str());
        return 2;
      }
      partitions = *p;
    }
    if (name.empty() || !cluster->create_topic(name, static_cast<int>(partitions), error)) {
      std::fprintf(stderr, "kwire cluster: cannot create topic '%s': %s\n", name.c_str(), error.c_str());
      return 1;
    }
  }
  std::printf("%s\n", cluster->bootstrap().c_str());
  std::fflush(stdout);
  std::fprintf(stderr, "kwire cluster: embedded cluster (librdkafka mock, %lld broker%s) at %s; Ctrl-C stops it\n",
               static_cast<long long>(*n), *n == 1 ? "" : "s", cluster->bootstrap().c_str());
  int sig = 0;
  sigwait(&stop, &sig);
  std::fprintf(stderr, "kwire cluster: stopping\n");
  return 0;
}
