// `kwire consume -b BROKERS -t TOPIC [-p PARTITION] [-o beginning|end|OFFSET|-N]
// [-e] [-c COUNT] [-f FORMAT] [-K DELIM] [-X isolation.level=read_committed]`:
// prints records, one value per line by default (kcat's flags and -f format).
// Reads with kwire::Consumer (assign, no group); -X takes consumer properties.
#include <csignal>
#include <cstdio>
#include <memory>

#include "cli/cluster_target.hpp"
#include "cli/common_options.hpp"
#include "cli/record_format.hpp"
#include "cli/topic_reader.hpp"
#include "commands.hpp"

namespace kwire::tool {
namespace {

constexpr OptionSpec kOptions[] = {
    kBrokersOption,
    {'t', "", "TOPIC", "topic to read"},
    {'p', "", "PARTITION", "only this partition (default: all)"},
    {'o', "", "OFFSET", "start at beginning | end (default) | OFFSET | -N (N before the end)"},
    {'e', "", "", "exit once every partition is read to its end"},
    {'c', "", "COUNT", "exit after COUNT records"},
    {'f', "", "FORMAT", "output format: %s value %k key %t topic %p partition %o offset %T timestamp %h headers"},
    {'K', "", "DELIM", "print the key and DELIM before each value"},
    kPropertyOption,
};
constexpr const char* kSynopsis =
    "consume -b BROKERS -t TOPIC [-p PARTITION] [-o beginning|end|OFFSET] [-e] [-c COUNT] [-f FORMAT] [-K DELIM] "
    "[-X prop=value]...";

std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) { g_stop.store(true); }

constexpr CommandSpec kCommand{"consume", kSynopsis, kOptions};

}  // namespace
}  // namespace kwire::tool

int run_consume(int argc, char** argv) {
  using namespace kwire::tool;
  auto parsed = parse_or_usage(kCommand, argc, argv, 2);
  if (!parsed.args) return parsed.exit_code;
  const auto& a = *parsed.args;
  ReadSpec spec;
  spec.topic = a.get_or("t", "");
  if (spec.topic.empty()) return usage_error(kCommand, "-t TOPIC is required");
  if (auto p = a.get("p")) {
    auto v = parse_int(*p, 0, INT32_MAX);
    if (!v) return usage_error(kCommand, "-p must be a partition number");
    spec.partition = static_cast<std::int32_t>(*v);
  }
  auto start = parse_start_offset(a.get_or("o", "end"));
  if (!start) return usage_error(kCommand, "-o must be beginning, end, an offset or -N");
  spec.start = *start;
  spec.exit_at_end = a.has("e");
  std::int64_t limit = -1;
  if (auto c = a.get("c")) {
    auto v = parse_int(*c, 1, INT64_MAX);
    if (!v) return usage_error(kCommand, "-c must be a positive count");
    limit = *v;
  }
  std::string format_text = "%s\\n";
  if (auto k = a.get("K")) format_text = "%k" + *k + "%s\\n";
  if (auto f = a.get("f")) format_text = *f;
  std::string error;
  auto format = RecordFormat::parse(format_text, error);
  if (!error.empty()) return usage_error(kCommand, "-f: " + error);
  // -X is checked before any cluster is started (a stand-in address until then).
  kwire::Properties props;
  if (!consumer_properties(a, a.get_or("b", "127.0.0.1:9092"), false, props, error))
    return usage_error(kCommand, error);
  kwire::ConsumerConfig checked;
  if (kwire::ConsumerConfig::parse(props, checked, error)) return usage_error(kCommand, "-X: " + error);
  auto target = resolve_cluster(a, "consume");
  if (!target) return 1;
  props["bootstrap.servers"] = target->bootstrap;
  auto consumer = std::make_unique<kwire::Consumer>(props);

  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  spec.stop = &g_stop;
  std::string line;
  std::int64_t printed = 0;
  auto result = read_topic(*consumer, spec, [&](const kwire::ConsumerRecord& record) {
    line.clear();
    format.format(line, record);
    std::fwrite(line.data(), 1, line.size(), stdout);
    return limit < 0 || ++printed < limit;
  });
  consumer->close();
  std::fflush(stdout);
  if (result.error) {
    std::fprintf(stderr, "kwire consume: %s\n", result.detail.empty() ? result.error.message().c_str()
                                                                       : result.detail.c_str());
    return 1;
  }
  std::fprintf(stderr, "kwire consume: %llu record%s from %s%s\n", static_cast<unsigned long long>(result.records),
               result.records == 1 ? "" : "s", spec.topic.c_str(), result.reached_end ? " (reached the end)" : "");
  return 0;
}
