// `kwire perf produce -b BROKERS -t TOPIC -n COUNT -s SIZE [--rate R] [--threads N]
// [--sample-every K] [-X prop=value]... [--client kwire|librdkafka] [--json]`:
// produces COUNT records of SIZE bytes from N threads, shows a live progress
// line on a terminal and prints a summary (records/s, MB/s, CPU and context
// switches per record, CPU per thread, p50/p99/p99.9 delivery latency of the
// timed records, peak RSS), as JSON with --json.
#include <cstdio>

#include "cli/args.hpp"
#include "cli/cluster_target.hpp"
#include "commands.hpp"
#include "perf/perf_args.hpp"
#include "perf/perf_client.hpp"
#include "perf/perf_runner.hpp"

namespace kwire::tool {
namespace {

constexpr OptionSpec kOptions[] = {
    {'b', "", "BROKERS", "bootstrap brokers host:port[,...] (default: start an embedded cluster)"},
    {'t', "", "TOPIC", "topic to produce to"},
    {'p', "", "PARTITION", "partition (default: the partitioner chooses)"},
    {'n', "", "COUNT", "number of records (default 100000)"},
    {'s', "", "SIZE", "value size in bytes (default 100)"},
    {0, "rate", "R", "records per second in total (default: as fast as possible)"},
    {0, "threads", "N", "application threads calling send, sharing COUNT and R (default 1)"},
    {0, "sample-every", "K", "time one record in K (default: every record with --rate, else 1 in 64)"},
    {'X', "", "prop=value", "producer property, Java names (repeatable)", true},
    {0, "client", "NAME", "kwire (default) or librdkafka"},
    {0, "json", "", "print the summary as one JSON object"},
};
constexpr const char* kSynopsis =
    "perf produce -b BROKERS -t TOPIC -n COUNT -s SIZE [--rate R] [--threads N] [--sample-every K] [-X prop=value]... "
    "[--client kwire|librdkafka] [--json]";

constexpr CommandSpec kCommand{"perf produce", kSynopsis, kOptions};

}  // namespace

std::unique_ptr<PerfClient> make_perf_client(const PerfSettings& settings, PerfStats& stats, std::string& error) {
  if (settings.client == "kwire") return make_kwire_perf_client(settings, stats, error);
  if (settings.client == "librdkafka") return make_rdkafka_perf_client(settings, stats, error);
  error = "unknown --client '" + settings.client + "' (kwire or librdkafka)";
  return nullptr;
}

}  // namespace kwire::tool

int run_perf(int argc, char** argv) {
  using namespace kwire::tool;
  if (argc >= 3 && std::string_view(argv[2]) == "consume") return run_perf_consume(argc, argv);
  if (argc < 3 || std::string_view(argv[2]) != "produce") {
    if (argc >= 3 && (std::string_view(argv[2]) == "--help" || std::string_view(argv[2]) == "-h")) {
      std::fputs(usage(kSynopsis, kOptions).c_str(), stdout);
      return 0;
    }
    return usage_error(kCommand,
                       argc < 3 ? "which benchmark? (perf produce, perf consume)" : "unknown benchmark '" + std::string(argv[2]) + "'");
  }
  auto parsed = parse_or_usage(kCommand, argc, argv, 3);
  if (!parsed.args) return parsed.exit_code;
  const auto& a = *parsed.args;

  PerfSettings s;
  s.client = a.get_or("client", "kwire");
  PerfArgs common;
  if (auto exit_code = parse_perf_args(kCommand, a, common)) return *exit_code;
  s.topic = common.topic;
  s.count = common.count;
  s.size = common.size;
  s.partition = common.partition;
  s.properties = common.properties;
  s.json = common.json;
  if (auto r = a.get("rate")) {
    auto v = parse_int(*r, 1, 1'000'000'000);
    if (!v) return usage_error(kCommand, "--rate must be a positive number of records per second");
    s.rate = static_cast<double>(*v);
  }
  auto threads = parse_int(a.get_or("threads", "1"), 1, 256);
  if (!threads) return usage_error(kCommand, "--threads must be from 1 to 256");
  s.threads = static_cast<int>(*threads);
  // Throughput runs time a sample, so timing costs neither client much;
  // latency runs (fixed rate) time every record.
  auto sample = parse_int(a.get_or("sample-every", s.rate > 0 ? "1" : "64"), 1, 1'000'000'000);
  if (!sample) return usage_error(kCommand, "--sample-every must be a positive number of records");
  s.sample_every = static_cast<std::uint64_t>(*sample);

  auto target = perf_cluster(kCommand, a);
  if (!target) return 1;
  s.bootstrap = target->bootstrap;

  PerfStats stats;
  std::string error;
  auto client = make_perf_client(s, stats, error);
  if (!client) {
    std::fprintf(stderr, "kwire perf produce: %s\n", error.c_str());
    return 1;
  }
  auto report = run_perf(s, *client, stats);
  if (s.json) report.client_metrics = client->metrics_json();
  client.reset();  // close the producer before the embedded cluster goes away
  std::fputs(s.json ? report.to_json().c_str() : report.to_text().c_str(), stdout);
  if (report.failed > 0 || report.acked != report.records) {
    std::fprintf(stderr, "kwire perf produce: %llu record(s) failed: %s\n",
                 static_cast<unsigned long long>(report.records - report.acked), report.first_error.c_str());
    return 1;
  }
  return 0;
}
