// Entry point of the kwire command-line tool: dispatches on argv[1] to the
// subcommand table below (each subcommand lives in its own file).
#include <cstdio>
#include <cstring>

#include "commands.hpp"

namespace {

struct Subcommand {
  const char* name;
  int (*run)(int argc, char** argv);
  const char* summary;
};

constexpr Subcommand kSubcommands[] = {
    {"cluster", run_cluster, "start the embedded cluster and print its bootstrap address"},
    {"demo", run_demo, "produce records and read them all back, checking counts and contents"},
    {"produce", run_produce, "produce one record per input line (kwire producer)"},
    {"consume", run_consume, "print records of a topic (ListOffsets + Fetch, no group)"},
    {"metadata", run_metadata, "list brokers, topics and partitions (like kcat -L)"},
    {"api-versions", run_api_versions, "list the API versions a broker supports"},
    {"perf", run_perf, "perf produce|consume: throughput (and produce latency), kwire or librdkafka"},
    {"wire", run_wire, "decode a Kafka frame to JSON or encode it back; check a capture against the specs"},
};

void print_help(std::FILE* out) {
  std::fputs("Usage: kwire <command> [options]   (kwire <command> --help for its options)\n\nCommands:\n", out);
  for (const auto& c : kSubcommands) std::fprintf(out, "  %-14s %s\n", c.name, c.summary);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    print_help(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  for (const auto& c : kSubcommands)
    if (std::strcmp(argv[1], c.name) == 0) return c.run(argc, argv);
  std::fprintf(stderr, "kwire: unknown command '%s'\n", argv[1]);
  print_help(stderr);
  return 2;
}
