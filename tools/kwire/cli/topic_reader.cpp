// Topic reading with kwire::Consumer (see topic_reader.hpp).
#include "cli/topic_reader.hpp"

#include <algorithm>
#include <vector>

#include "kwire/protocol/errors.hpp"

namespace kwire::tool {
namespace {

using kwire::protocol::kafka_errc;

std::string metadata_error_text(const std::string& topic, std::error_code ec, std::chrono::milliseconds wait) {
  if (ec == kafka_errc::unknown_topic_or_partition) return "topic '" + topic + "' does not exist";
  if (ec == kwire::consumer_errc::consumer_timeout)
    return "no metadata for topic '" + topic + "' within " + std::to_string(wait.count()) + " ms";
  return "topic '" + topic + "': " + ec.message();
}

std::int64_t start_position(const StartOffset& start, std::int64_t beginning, std::int64_t end) {
  switch (start.kind) {
    case StartOffset::Kind::beginning: return beginning;
    case StartOffset::Kind::end: return end;
    case StartOffset::Kind::absolute: return std::max(start.value, beginning);
    case StartOffset::Kind::from_end: return std::max(end - start.value, beginning);
  }
  return end;
}

}  // namespace

std::optional<StartOffset> parse_start_offset(const std::string& text) {
  if (text == "beginning") return StartOffset{StartOffset::Kind::beginning, 0};
  if (text == "end") return StartOffset{StartOffset::Kind::end, 0};
  if (!text.empty() && text[0] == '-') {
    auto n = parse_int(std::string_view(text).substr(1), 1, INT64_MAX);
    if (!n) return std::nullopt;
    return StartOffset{StartOffset::Kind::from_end, *n};
  }
  auto n = parse_int(text, 0, INT64_MAX);
  if (!n) return std::nullopt;
  return StartOffset{StartOffset::Kind::absolute, *n};
}

bool consumer_properties(const ParsedArgs& args, const std::string& bootstrap, bool known_only,
                         kwire::Properties& out, std::string& why) {
  out["bootstrap.servers"] = bootstrap;
  out["client.id"] = "kwire-cli";
  out["request.timeout.ms"] = "10000";
  out["default.api.timeout.ms"] = "10000";
  out["auto.offset.reset"] = "earliest";
  for (const auto& x : args.all("X")) {
    auto kv = split_property(x);
    if (!kv) {
      why = "-X needs prop=value, got '" + x + "'";
      return false;
    }
    if (known_only) {
      kwire::ConsumerConfig probe;
      std::string ignored;
      if (kwire::ConsumerConfig::parse({{"bootstrap.servers", bootstrap}, {kv->first, kv->second}}, probe, ignored) ==
          kwire::errc::unknown_config_key)
        continue;
    }
    out[kv->first] = kv->second;
  }
  return true;
}

ReadResult read_topic(kwire::Consumer& consumer, const ReadSpec& spec, const RecordSink& sink) {
  ReadResult out;
  std::vector<std::int32_t> numbers;
  if ((out.error = consumer.partitions_for(spec.topic, numbers, spec.metadata_wait))) {
    out.detail = metadata_error_text(spec.topic, out.error, spec.metadata_wait);
    return out;
  }
  std::vector<kwire::TopicPartition> partitions;
  for (std::int32_t p : numbers)
    if (!spec.partition || *spec.partition == p) partitions.push_back({spec.topic, p});
  if (partitions.empty()) {
    out.error = make_error_code(kafka_errc::unknown_topic_or_partition);
    out.detail = spec.partition ? "topic '" + spec.topic + "' has no partition " + std::to_string(*spec.partition)
                                : "topic '" + spec.topic + "' has no partitions";
    return out;
  }
  std::vector<std::int64_t> beginning, end;
  if ((out.error = consumer.beginning_offsets(partitions, beginning, spec.metadata_wait)) ||
      (out.error = consumer.end_offsets(partitions, end, spec.metadata_wait))) {
    out.detail = "looking up the offsets of '" + spec.topic + "': " + out.error.message();
    return out;
  }
  consumer.assign(partitions);
  std::vector<bool> done(partitions.size(), false);
  for (std::size_t i = 0; i < partitions.size(); ++i) {
    const std::int64_t position = start_position(spec.start, beginning[i], end[i]);
    consumer.seek(partitions[i], position);
    done[i] = spec.exit_at_end && position >= end[i];
  }
  for (;;) {
    if (spec.exit_at_end && std::all_of(done.begin(), done.end(), [](bool d) { return d; })) {
      out.reached_end = true;
      return out;
    }
    if (spec.stop && spec.stop->load()) return out;
    const kwire::ConsumerRecords& records = consumer.poll(std::chrono::milliseconds(200));
    for (const kwire::ConsumerRecord& r : records) {
      ++out.records;
      if (!sink(r)) return out;
    }
    if (records.error()) {
      out.error = records.error();
      out.detail = records.error_detail();
      return out;
    }
    if (!spec.exit_at_end) continue;
    for (std::size_t i = 0; i < partitions.size(); ++i) {
      std::int64_t position = -1;
      if (!done[i] && !consumer.position(partitions[i], position, std::chrono::milliseconds(0)))
        done[i] = position >= end[i];
    }
  }
}

}  // namespace kwire::tool
