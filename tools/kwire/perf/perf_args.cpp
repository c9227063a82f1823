// Options shared by kwire perf produce and perf consume (see perf_args.hpp).
#include "perf/perf_args.hpp"

#include <cstdio>
#include <string>

namespace kwire::tool {

std::optional<int> parse_perf_args(const CommandSpec& command, const ParsedArgs& a, PerfArgs& out) {
  out.topic = a.get_or("t", "");
  if (out.topic.empty()) return usage_error(command, "-t TOPIC is required");
  auto count = parse_int(a.get_or("n", "100000"), 1, 1'000'000'000'000);
  if (!count) return usage_error(command, "-n must be a positive number of records");
  out.count = static_cast<std::uint64_t>(*count);
  auto size = parse_int(a.get_or("s", "100"), 0, 64 * 1024 * 1024);
  if (!size) return usage_error(command, "-s must be a size in bytes from 0 to 67108864");
  out.size = static_cast<std::size_t>(*size);
  if (auto p = a.get("p")) {
    auto v = parse_int(*p, 0, INT32_MAX);
    if (!v) return usage_error(command, "-p must be a partition number");
    out.partition = static_cast<std::int32_t>(*v);
  }
  for (const auto& x : a.all("X")) {
    auto kv = split_property(x);
    if (!kv) return usage_error(command, "-X needs prop=value, got '" + x + "'");
    out.properties.push_back(*kv);
  }
  out.json = a.has("json");
  return std::nullopt;
}

std::optional<ClusterTarget> perf_cluster(const CommandSpec& command, const ParsedArgs& args) {
  auto target = resolve_cluster(args, command.name);
  if (target && target->embedded) {
    std::fprintf(stderr, "kwire %.*s: note: CPU seconds include the embedded broker running in this process\n",
                 static_cast<int>(command.name.size()), command.name.data());
  }
  return target;
}

}  // namespace kwire::tool
