// `kwire demo [-b BROKERS] [-t TOPIC] [-n COUNT] [-s SIZE] [-X prop=value]...`:
// the README's main job. Produces COUNT records (kwire::Producer, acks=all,
// idempotence on) to the given brokers or an embedded cluster, reads them all
// back with kwire::Consumer, and checks that counts match and that every
// value arrived intact at the partition and offset its delivery report named.
// Exits non-zero on any mismatch.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <random>

#include "cli/cluster_target.hpp"
#include "cli/common_options.hpp"
#include "cli/producer_options.hpp"
#include "cli/topic_reader.hpp"
#include "commands.hpp"
#include "kwire/consumer.hpp"
#include "kwire/producer.hpp"

namespace kwire::tool {
namespace {

constexpr OptionSpec kOptions[] = {
    kBrokersOption,
    {'t', "", "TOPIC", "topic (default: a new kwire-demo-<id> topic, auto-created)"},
    {'n', "", "COUNT", "records to produce (default 10000)"},
    {'s', "", "SIZE", "value size in bytes, at least 32 (default 100)"},
    kPropertyOption,
};
constexpr const char* kSynopsis = "demo [-b BROKERS] [-t TOPIC] [-n COUNT] [-s SIZE] [-X prop=value]...";

constexpr CommandSpec kCommand{"demo", kSynopsis, kOptions};

// Record i's value: "<run id> <i>" then filler derived from i, SIZE bytes in all.
std::string demo_value(const std::string& run_id, std::uint64_t i, std::size_t size) {
  std::string v = run_id + " " + std::to_string(i) + " ";
  std::uint64_t x = i * 0x9E3779B97F4A7C15ull + 1;
  while (v.size() < size) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    v += static_cast<char>('a' + x % 26);
  }
  v.resize(size);
  return v;
}

struct Placement {
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  bool seen = false;
};

// What the delivery reports said about timestamps: users meet LogAppendTime
// here first, and librdkafka's mock answers with one for every topic.
struct TimestampSummary {
  std::uint64_t log_append = 0, create = 0;
  std::int64_t first_log_append_ms = -1;

  void add(const kwire::RecordMetadata& md) {
    if (md.timestamp_type == kwire::TimestampType::create_time) {
      ++create;
      return;
    }
    if (log_append++ == 0) first_log_append_ms = md.timestamp_ms;
  }

  void print(std::int64_t sent_ms) const {
    if (log_append == 0) {
      std::printf("  timestamps  CreateTime: each report carries the time its record was sent with\n");
      return;
    }
    const std::int64_t t = first_log_append_ms;
    const std::time_t seconds = static_cast<std::time_t>(t / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char when[32];
    std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &utc);
    std::printf("  timestamps  %llu of %llu reports carry the broker's LogAppendTime, the first %lld ms (%s.%03lld UTC)\n",
                static_cast<unsigned long long>(log_append), static_cast<unsigned long long>(log_append + create),
                static_cast<long long>(t), when, static_cast<long long>(t % 1000));
    constexpr std::int64_t kDayMs = 24 * 3600 * 1000;
    if (t < sent_ms - kDayMs || t > sent_ms + kDayMs)
      std::printf("              not a clock reading: librdkafka's mock cluster (the embedded cluster) answers every\n"
                  "              produce with a made-up LogAppendTime, whatever the topic's message.timestamp.type.\n"
                  "              A real broker sends its own time, for LogAppendTime topics only; for the others\n"
                  "              kwire reports the CreateTime each record was sent with.\n");
  }
};

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// The closing summary, for someone seeing kwire for the first time.
struct DemoSummary {
  std::uint64_t asked = 0, sent = 0, acked = 0, read = 0, missing = 0, duplicated = 0, matching = 0;
  std::uint64_t deleted = 0;  // below the partition's log start when read back (broker retention)
  std::size_t value_size = 0;
  double produce_s = 0;
  bool read_back = false;  // false when produce failed and nothing was read
};

// Prints the summary and returns the exit code (0 only when `failure` is empty).
int finish(const DemoSummary& s, const std::string& failure) {
  auto u = [](std::uint64_t v) { return static_cast<unsigned long long>(v); };
  std::printf("\nkwire demo summary\n");
  std::printf("  records sent        %llu of %llu, %zu B each\n", u(s.sent), u(s.asked), s.value_size);
  std::printf("  acknowledged        %llu  (acks=all, idempotent producer)\n", u(s.acked));
  if (s.read_back) {
    std::printf("  read back           %llu  (missing %llu, read twice %llu)\n", u(s.read), u(s.missing),
                u(s.duplicated));
    std::printf("  matching            %llu  (same value, at the partition and offset its delivery report gave)\n",
                u(s.matching));
    if (s.deleted > 0)
      std::printf("  not checkable       %llu  (the broker had deleted them before the read-back: librdkafka's mock\n"
                  "                      keeps about 5 MiB per partition; use fewer records or a real broker with -b)\n",
                  u(s.deleted));
  } else {
    std::printf("  read back           not attempted\n");
  }
  const double secs = s.produce_s > 0 ? s.produce_s : 1e-9;
  std::printf("  produce throughput  %.0f records/s, %.2f MB/s (%.2f s, send to last acknowledgement)\n",
              static_cast<double>(s.acked) / secs,
              static_cast<double>(s.acked) * static_cast<double>(s.value_size) / 1e6 / secs, s.produce_s);
  if (failure.empty() && s.deleted > 0) {
    std::printf("kwire demo: OK: counts and contents match for the %llu records still on the broker "
                "(%llu were deleted by its retention before they could be read back)\n",
                u(s.read), u(s.deleted));
    return 0;
  }
  if (failure.empty()) {
    std::printf("kwire demo: OK: counts and contents match (every record acknowledged, read back once, intact)\n");
    return 0;
  }
  std::printf("kwire demo: FAILED: %s\n", failure.c_str());
  return 1;
}

}  // namespace
}  // namespace kwire::tool

int run_demo(int argc, char** argv) {
  using namespace kwire::tool;
  auto parsed = parse_or_usage(kCommand, argc, argv, 2);
  if (!parsed.args) return parsed.exit_code;
  const auto& a = *parsed.args;
  auto count = parse_int(a.get_or("n", "10000"), 1, 100'000'000);
  if (!count) return usage_error(kCommand, "-n must be a positive number of records");
  auto size = parse_int(a.get_or("s", "100"), 32, 1'000'000);
  if (!size) return usage_error(kCommand, "-s must be a size from 32 to 1000000 bytes");
  const auto n = static_cast<std::uint64_t>(*count);
  const auto value_size = static_cast<std::size_t>(*size);

  std::random_device rd;
  const std::string run_id = "kwire-demo-" + std::to_string(rd() % 1000000000u);
  const std::string topic = a.get_or("t", run_id);
  auto target = resolve_cluster(a, "demo");
  if (!target) return 1;
  kwire::Properties props;
  std::string why;
  if (!producer_properties(a, target->bootstrap, props, why)) return usage_error(kCommand, why);
  props.emplace("acks", "all");
  props.emplace("enable.idempotence", "true");

  std::printf("kwire demo: producing %llu records of %zu B to topic %s at %s (acks=%s, idempotence %s)\n",
              static_cast<unsigned long long>(n), value_size, topic.c_str(), target->bootstrap.c_str(),
              props["acks"].c_str(), props["enable.idempotence"] == "true" ? "on" : "off");
  std::fflush(stdout);

  // 1. Produce, remembering where each record's delivery report put it.
  DemoSummary summary;
  summary.asked = n;
  summary.value_size = value_size;
  std::vector<Placement> placed(n);
  std::mutex mu;
  std::uint64_t failed = 0;
  std::string first_error;
  TimestampSummary timestamps;
  const auto wall_start_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
  auto t0 = std::chrono::steady_clock::now();
  {
    std::unique_ptr<kwire::Producer> producer;
    try {
      producer = std::make_unique<kwire::Producer>(props);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "kwire demo: %s\n", e.what());
      return 2;
    }
    std::string value;
    for (std::uint64_t i = 0; i < n; ++i) {
      value = demo_value(run_id, i, value_size);
      kwire::Record r;
      r.topic = topic;
      r.value = kwire::as_bytes(value);
      r.user_id = i;
      auto ec = producer->send(r, [&, i](std::error_code ec, kwire::RecordMetadata md) {
        std::lock_guard lock(mu);
        if (ec) {
          if (failed++ == 0) first_error = ec.message();
        } else {
          placed[i].partition = md.partition;
          placed[i].offset = md.offset;
          timestamps.add(md);
        }
      });
      if (!ec) ++summary.sent;
      if (ec) {
        std::lock_guard lock(mu);
        if (failed++ == 0) first_error = ec.message();
        if (failed >= 3 && i + 1 == failed) break;  // nothing is accepted: stop early
      }
    }
    if (auto ec = producer->flush(std::chrono::milliseconds(120000))) {
      std::lock_guard lock(mu);
      if (first_error.empty()) first_error = "flush: " + ec.message();
    }
    producer->close(std::chrono::milliseconds(5000));
  }
  double produce_s = seconds_since(t0);
  std::uint64_t acked = 0;
  for (const auto& p : placed) acked += p.offset >= 0 ? 1 : 0;
  std::printf("  produced  %llu acknowledged, %llu failed in %.2f s (%.0f records/s, %.2f MB/s)\n",
              static_cast<unsigned long long>(acked), static_cast<unsigned long long>(n - acked), produce_s,
              static_cast<double>(acked) / produce_s,
              static_cast<double>(acked) * static_cast<double>(value_size) / 1e6 / produce_s);
  if (acked > 0) timestamps.print(wall_start_ms);
  std::fflush(stdout);
  summary.acked = acked;
  summary.produce_s = produce_s;
  if (acked != n)
    return finish(summary, std::to_string(n - acked) + " of " + std::to_string(n) +
                               " records were not acknowledged: " +
                               (first_error.empty() ? "no delivery report" : first_error));

  // 2. Read the whole topic back (kwire::Consumer) and check each record against its report.
  kwire::Properties consumer_props;
  if (!consumer_properties(a, target->bootstrap, true, consumer_props, why)) return usage_error(kCommand, why);
  std::unique_ptr<kwire::Consumer> consumer;
  try {
    consumer = std::make_unique<kwire::Consumer>(consumer_props);
  } catch (const kwire::ConfigError& e) {
    return usage_error(kCommand, std::string("-X: ") + e.what());
  }
  ReadSpec spec;
  spec.topic = topic;
  spec.start = StartOffset{StartOffset::Kind::beginning, 0};
  spec.exit_at_end = true;
  spec.metadata_wait = std::chrono::milliseconds(10000);
  std::uint64_t read = 0, foreign = 0, wrong = 0, duplicates = 0;
  std::string first_problem;
  const std::string prefix = run_id + " ";
  auto t1 = std::chrono::steady_clock::now();
  std::map<std::int32_t, std::int64_t> log_start;  // first offset read per partition
  auto result = read_topic(*consumer, spec, [&](const kwire::ConsumerRecord& rec) {
    const std::int32_t partition = rec.partition;
    ++read;
    log_start.emplace(partition, rec.offset);
    std::string_view v = rec.value ? kwire::protocol::as_string(*rec.value) : std::string_view();
    if (!v.starts_with(prefix)) {
      ++foreign;  // an earlier run's record in a reused topic
      return true;
    }
    auto rest = v.substr(prefix.size());
    auto i = parse_int(rest.substr(0, rest.find(' ')), 0, static_cast<std::int64_t>(n) - 1);
    auto problem = [&](const std::string& what) {
      ++wrong;
      if (first_problem.empty()) first_problem = what;
    };
    if (!i) {
      problem("a record at partition " + std::to_string(partition) + " offset " + std::to_string(rec.offset) +
              " has no valid index");
      return true;
    }
    auto& p = placed[static_cast<std::size_t>(*i)];
    if (p.seen) {
      ++duplicates;
      if (first_problem.empty()) first_problem = "record " + std::to_string(*i) + " was read twice";
      return true;
    }
    p.seen = true;
    if (p.partition != partition || p.offset != rec.offset)
      problem("record " + std::to_string(*i) + " was reported at " + std::to_string(p.partition) + "/" +
              std::to_string(p.offset) + " but read at " + std::to_string(partition) + "/" +
              std::to_string(rec.offset));
    else if (v != demo_value(run_id, static_cast<std::uint64_t>(*i), value_size))
      problem("record " + std::to_string(*i) + "'s value differs from what was sent");
    return true;
  });
  consumer->close();
  double read_s = seconds_since(t1);
  if (result.error) return finish(summary, "reading back: " + result.detail);
  std::uint64_t mine = read - foreign;
  // A record below the first offset read in its partition was deleted by the
  // broker (its log start moved past it), not lost: say so apart.
  std::uint64_t missing = 0, deleted = 0;
  for (const auto& p : placed) {
    if (p.seen) continue;
    auto start = log_start.find(p.partition);
    if (start != log_start.end() && p.offset < start->second) ++deleted;
    else ++missing;
  }
  std::printf("  read back %llu records in %.2f s%s\n", static_cast<unsigned long long>(mine), read_s,
              foreign ? (" (and " + std::to_string(foreign) + " older records of the topic)").c_str() : "");
  std::printf("  counts    produced %llu, acknowledged %llu, read %llu, missing %llu, duplicated %llu\n",
              static_cast<unsigned long long>(n), static_cast<unsigned long long>(acked),
              static_cast<unsigned long long>(mine - duplicates), static_cast<unsigned long long>(missing),
              static_cast<unsigned long long>(duplicates));
  summary.read_back = true;
  summary.read = mine - duplicates;
  summary.missing = missing;
  summary.deleted = deleted;
  summary.duplicated = duplicates;
  summary.matching = mine - duplicates - wrong;
  if (missing || duplicates || wrong)
    return finish(summary, first_problem.empty() ? std::to_string(missing) + " records missing" : first_problem);
  return finish(summary, "");
}
