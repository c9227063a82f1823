// `kwire produce -b BROKERS -t TOPIC [-p PARTITION] [-k KEY] [-K DELIM]
// [-H name=value]... [-X prop=value]... [--stats] [FILE]`: one record per line
// of FILE (or stdin) through kwire::Producer; prints a delivery summary and
// exits non-zero, saying why, if any record failed. Connection warnings (a
// refused connection names its address) go to stderr, each distinct line once.
// --stats adds the producer's metrics() as a JSON line ("stats: {...}").
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <set>

#include "cli/cluster_target.hpp"
#include "cli/common_options.hpp"
#include "cli/producer_options.hpp"
#include "commands.hpp"
#include "kwire/delivery_error.hpp"
#include "kwire/producer.hpp"

namespace kwire::tool {
namespace {

constexpr OptionSpec kOptions[] = {
    kBrokersOption,
    {'t', "", "TOPIC", "topic to produce to"},
    {'p', "", "PARTITION", "partition (default: the partitioner chooses)"},
    {'k', "", "KEY", "key for every record"},
    {'K', "", "DELIM", "split each line at the first DELIM into key and value"},
    {'H', "", "name=value", "header for every record (repeatable)", true},
    kPropertyOption,
    {0, "stats", "", "print the producer's metrics() as one JSON line on stderr at the end"},
};
constexpr const char* kSynopsis =
    "produce -b BROKERS -t TOPIC [-p PARTITION] [-k KEY] [-K DELIM] [-H name=value]... [-X prop=value]... [--stats] [FILE]";

constexpr CommandSpec kCommand{"produce", kSynopsis, kOptions, /*takes_positionals=*/true};

// Delivery reports arrive on the producer's thread.
struct DeliveryTally {
  std::mutex mu;
  std::uint64_t delivered = 0, failed = 0;
  std::map<std::int32_t, std::uint64_t> per_partition;
  std::map<std::string, std::uint64_t> errors;  // "topic-partition: message" -> count
};

// The producer's warnings, on its io thread: a broker that refuses
// connections is retried at every backoff, so each distinct line is printed once.
kwire::LogHook stderr_warnings_once() {
  auto seen = std::make_shared<std::pair<std::mutex, std::set<std::string, std::less<>>>>();
  return {kwire::LogLevel::warning, [seen](kwire::LogLevel, std::string_view line) {
            std::lock_guard lock(seen->first);
            if (!seen->second.emplace(line).second) return;
            std::fprintf(stderr, "kwire produce: %.*s\n", static_cast<int>(line.size()), line.data());
          }};
}

}  // namespace
}  // namespace kwire::tool

int run_produce(int argc, char** argv) {
  using namespace kwire::tool;
  auto parsed = parse_or_usage(kCommand, argc, argv, 2);
  if (!parsed.args) return parsed.exit_code;
  const auto& a = *parsed.args;
  if (a.positionals().size() > 1) return usage_error(kCommand, "at most one input FILE");
  std::string topic = a.get_or("t", "");
  if (topic.empty()) return usage_error(kCommand, "-t TOPIC is required");
  std::optional<std::int32_t> partition;
  if (auto p = a.get("p")) {
    auto v = parse_int(*p, 0, INT32_MAX);
    if (!v) return usage_error(kCommand, "-p must be a partition number");
    partition = static_cast<std::int32_t>(*v);
  }
  if (a.has("k") && a.has("K")) return usage_error(kCommand, "-k and -K cannot be used together");
  std::string delim = a.get_or("K", "");
  if (a.has("K") && delim.empty()) return usage_error(kCommand, "-K needs a non-empty delimiter");
  std::vector<std::pair<std::string, std::string>> header_strings;
  for (const auto& h : a.all("H")) {
    auto kv = split_property(h);
    if (!kv) return usage_error(kCommand, "-H needs name=value, got '" + h + "'");
    header_strings.push_back(*kv);
  }
  std::vector<kwire::Header> headers;
  for (const auto& [k, v] : header_strings) headers.push_back({k, kwire::as_bytes(v)});

  std::ifstream file;
  std::istream* in = &std::cin;
  if (!a.positionals().empty() && a.positionals()[0] != "-") {
    file.open(a.positionals()[0], std::ios::binary);
    if (!file) {
      std::fprintf(stderr, "kwire produce: cannot open %s\n", a.positionals()[0].c_str());
      return 1;
    }
    in = &file;
  }
  auto target = resolve_cluster(a, "produce");
  if (!target) return 1;
  kwire::Properties props;
  std::string why;
  if (!producer_properties(a, target->bootstrap, props, why)) return usage_error(kCommand, why);

  DeliveryTally tally;
  std::uint64_t sent = 0, rejected = 0;
  std::string first_rejection;
  {
    std::unique_ptr<kwire::Producer> producer;
    try {
      auto config = kwire::ProducerConfig::from_properties(props);
      config.log = stderr_warnings_once();
      producer = std::make_unique<kwire::Producer>(std::move(config));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "kwire produce: %s\n", e.what());
      return 2;
    }
    const std::string fixed_key = a.get_or("k", "");
    std::string line;
    while (std::getline(*in, line)) {
      kwire::Record r;
      r.topic = topic;
      r.partition = partition;
      r.headers = headers;
      std::string_view value = line;
      if (a.has("k")) r.key = kwire::as_bytes(fixed_key);
      if (!delim.empty()) {
        auto at = value.find(delim);
        if (at != std::string_view::npos) {
          r.key = kwire::as_bytes(value.substr(0, at));
          value = value.substr(at + delim.size());
        }
      }
      r.value = kwire::as_bytes(value);
      auto ec = producer->send(r, [&tally](std::error_code ec, kwire::RecordMetadata md) {
        std::lock_guard lock(tally.mu);
        if (ec) {
          ++tally.failed;
          ++tally.errors[kwire::describe_delivery_error(ec, md)];
        } else {
          ++tally.delivered;
          ++tally.per_partition[md.partition];
        }
      });
      if (ec) {
        ++rejected;
        if (first_rejection.empty())
          first_rejection = kwire::describe_delivery_error(ec, {.topic = topic, .partition = partition.value_or(-1)});
        if (rejected >= 3 && sent == 0) break;  // nothing gets through: stop reading input
      } else {
        ++sent;
      }
    }
    // Every record reports within delivery.timeout.ms of its send, or a
    // request timeout later if its batch was in flight then: wait that long
    // (a fixed wait gave up early under faults and failed records that were
    // still being delivered as "producer closed").
    const auto& config = producer->config();
    if (auto ec = producer->flush(config.delivery_timeout + config.request_timeout + std::chrono::seconds(5)))
      std::fprintf(stderr, "kwire produce: flush: %s\n", ec.message().c_str());
    producer->close(std::chrono::milliseconds(5000));
    if (a.has("stats")) std::fprintf(stderr, "kwire produce: stats: %s\n", kwire::to_json(producer->metrics()).c_str());
  }
  std::lock_guard lock(tally.mu);
  std::string parts;
  for (const auto& [p, n] : tally.per_partition) parts += (parts.empty() ? "" : ", ") + std::to_string(p) + ": " + std::to_string(n);
  std::fprintf(stderr, "kwire produce: %llu record%s delivered to %s%s%s%s, %llu failed\n",
               static_cast<unsigned long long>(tally.delivered), tally.delivered == 1 ? "" : "s", topic.c_str(),
               parts.empty() ? "" : " (partition ", parts.c_str(), parts.empty() ? "" : ")",
               static_cast<unsigned long long>(tally.failed + rejected));
  for (const auto& [msg, n] : tally.errors)
    std::fprintf(stderr, "  %llu failed: %s\n", static_cast<unsigned long long>(n), msg.c_str());
  if (rejected > 0)
    std::fprintf(stderr, "  %llu not accepted: %s\n", static_cast<unsigned long long>(rejected),
                 first_rejection.c_str());
  return tally.failed + rejected == 0 && tally.delivered == sent ? 0 : 1;
}
