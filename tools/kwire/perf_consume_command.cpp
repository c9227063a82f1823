// `kwire perf consume -b BROKERS -t TOPIC -n COUNT [-p PARTITION] [--fill
// [-s SIZE] [--fill-codec CODEC]] [-X prop=value]... [--client
// kwire|librdkafka] [--json]`: reads COUNT records of the topic from the
// beginning of its partitions (assigned, no group) and prints the same
// summary as perf produce (records/s, MB/s of keys and values, CPU and
// context switches per record, CPU per thread, peak RSS; JSON with --json,
// "mode":"consume"). --fill first writes COUNT records of SIZE bytes with
// kwire's producer (untimed); without -b, an embedded cluster is started and
// filled.
#include <atomic>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "cli/args.hpp"
#include "cli/cluster_target.hpp"
#include "commands.hpp"
#include "kwire/consumer.hpp"
#include "kwire/security.hpp"
#include "kwire/producer.hpp"
#include "perf/consume_client.hpp"
#include "perf/perf_args.hpp"
#include "perf/consume_runner.hpp"
#include "perf/perf_runner.hpp"

namespace kwire::tool {
namespace {

constexpr OptionSpec kOptions[] = {
    {'b', "", "BROKERS", "bootstrap brokers host:port[,...] (default: start an embedded cluster, filled)"},
    {'t', "", "TOPIC", "topic to read"},
    {'p', "", "PARTITION", "only this partition (default: all)"},
    {'n', "", "COUNT", "number of records to read (default 100000)"},
    {0, "fill", "", "first write COUNT records to the topic with kwire's producer (not timed)"},
    {'s', "", "SIZE", "value size in bytes of the records --fill writes (default 100)"},
    {0, "fill-codec", "CODEC", "compression of the records --fill writes: none (default), gzip, snappy, lz4, zstd"},
    {'X', "", "prop=value", "consumer property, Java names (repeatable)", true},
    {0, "client", "NAME", "kwire (default) or librdkafka"},
    {0, "json", "", "print the summary as one JSON object"},
};
constexpr const char* kSynopsis =
    "perf consume -b BROKERS -t TOPIC -n COUNT [-p PARTITION] [--fill [-s SIZE] [--fill-codec CODEC]] "
    "[-X prop=value]... [--client kwire|librdkafka] [--json]";

constexpr CommandSpec kCommand{"perf consume", kSynopsis, kOptions};

// Writes `count` records of `size` bytes (perf produce's payload) to the topic.
bool fill(const std::string& bootstrap, const kwire::Properties& security, const std::string& topic,
          std::int32_t partition, std::uint64_t count, std::size_t size, const std::string& codec) {
  try {
    kwire::Properties props = security;
    props.insert({{"bootstrap.servers", bootstrap}, {"linger.ms", "5"}, {"compression.type", codec}});
    kwire::Producer producer(props);
    PerfPayload payload(size);
    std::atomic<std::uint64_t> failed{0};
    for (std::uint64_t i = 0; i < count; ++i) {
      kwire::Record r;
      r.topic = topic;
      if (partition >= 0) r.partition = partition;
      r.value = payload.record(i);
      if (producer.send(r, [&failed](std::error_code ec, const kwire::RecordMetadata&) {
            if (ec) failed.fetch_add(1, std::memory_order_relaxed);
          }))
        failed.fetch_add(1, std::memory_order_relaxed);
    }
    if (producer.flush(std::chrono::seconds(120)) || failed.load() > 0) {
      std::fprintf(stderr, "kwire perf consume: --fill: %llu of %llu records not written\n",
                   static_cast<unsigned long long>(failed.load()), static_cast<unsigned long long>(count));
      return false;
    }
    return true;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kwire perf consume: --fill: %s\n", e.what());
    return false;
  }
}

}  // namespace

std::unique_ptr<ConsumeClient> make_consume_client(const ConsumeSettings& settings,
                                                   const std::vector<std::int32_t>& partitions, std::string& error) {
  if (settings.client == "kwire") return make_kwire_consume_client(settings, partitions, error);
  if (settings.client == "librdkafka") return make_rdkafka_consume_client(settings, partitions, error);
  error = "unknown --client '" + settings.client + "' (kwire or librdkafka)";
  return nullptr;
}

}  // namespace kwire::tool

int run_perf_consume(int argc, char** argv) {
  using namespace kwire::tool;
  auto parsed = parse_or_usage(kCommand, argc, argv, 3);
  if (!parsed.args) return parsed.exit_code;
  const auto& a = *parsed.args;

  ConsumeSettings s;
  s.client = a.get_or("client", "kwire");
  if (s.client != "kwire" && s.client != "librdkafka")
    return usage_error(kCommand, "--client must be kwire or librdkafka");
  PerfArgs common;
  if (auto exit_code = parse_perf_args(kCommand, a, common)) return *exit_code;
  s.topic = common.topic;
  s.count = common.count;
  s.partition = common.partition;
  s.properties = common.properties;
  s.json = common.json;
  const std::string codec = a.get_or("fill-codec", "none");
  if (codec != "none" && codec != "gzip" && codec != "snappy" && codec != "lz4" && codec != "zstd")
    return usage_error(kCommand, "--fill-codec must be none, gzip, snappy, lz4 or zstd");

  auto target = perf_cluster(kCommand, a);
  if (!target) return 1;
  s.bootstrap = target->bootstrap;
  // The -X security settings reach the fill producer and the lookup too.
  kwire::Properties security;
  for (const auto& [k, v] : s.properties)
    if (kwire::is_security_property(k)) security[k] = v;
  if ((a.has("fill") || target->embedded) &&
      !fill(s.bootstrap, security, s.topic, s.partition, s.count, common.size, codec))
    return 1;

  std::vector<std::int32_t> partitions;
  if (s.partition >= 0) {
    partitions.push_back(s.partition);
  } else {
    kwire::Properties props = security;
    props["bootstrap.servers"] = s.bootstrap;
    kwire::Consumer lookup(props);
    if (std::error_code ec = lookup.partitions_for(s.topic, partitions, std::chrono::seconds(10))) {
      std::fprintf(stderr, "kwire perf consume: topic %s: %s\n", s.topic.c_str(), ec.message().c_str());
      return 1;
    }
  }

  std::string error;
  auto client = make_consume_client(s, partitions, error);
  if (!client) {
    std::fprintf(stderr, "kwire perf consume: %s\n", error.c_str());
    return 1;
  }
  auto report = run_consume(s, *client);
  client.reset();  // close the consumer before the embedded cluster goes away
  std::fputs(s.json ? report.to_json().c_str() : report.to_text().c_str(), stdout);
  if (report.failed > 0 || report.acked < report.records) {
    std::fprintf(stderr, "kwire perf consume: read %llu of %llu records: %s\n",
                 static_cast<unsigned long long>(report.acked), static_cast<unsigned long long>(report.records),
                 report.first_error.c_str());
    return 1;
  }
  return 0;
}
