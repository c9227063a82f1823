// librdkafka's property names (see librdkafka_properties.hpp), from
// librdkafka's CONFIGURATION.md: each alias has the same meaning as the Java
// property it maps to.
#include "config/librdkafka_properties.hpp"

#include <algorithm>
#include <limits>
#include <vector>

#include "config/property_values.hpp"

namespace kwire::detail {
namespace {

using Convert = std::string (*)(const std::string&);

std::string same(const std::string& v) { return v; }

// queue.buffering.max.kbytes counts KiB; buffer.memory counts bytes.
std::string kbytes_to_bytes(const std::string& v) {
  std::string why;
  auto n = parse_int(v, 1, std::numeric_limits<std::int64_t>::max() / 1024, why);
  return n ? std::to_string(*n * 1024) : v;
}

// librdkafka: 0 = the OS default; Java: -1.
std::string zero_is_os_default(const std::string& v) { return trim(v) == "0" ? "-1" : v; }

// message.timeout.ms: 0 = no limit; delivery.timeout.ms has none, so its maximum.
std::string zero_is_unlimited(const std::string& v) {
  return trim(v) == "0" ? std::to_string(std::numeric_limits<std::int32_t>::max()) : v;
}

struct Alias {
  std::string_view librdkafka;
  std::string_view java;
  Convert convert;
};

constexpr Alias aliases[] = {
    {"metadata.broker.list", "bootstrap.servers", same},
    {"request.required.acks", "acks", same},
    {"queue.buffering.max.ms", "linger.ms", same},
    {"queue.buffering.max.kbytes", "buffer.memory", kbytes_to_bytes},
    {"message.max.bytes", "max.request.size", same},
    {"message.timeout.ms", "delivery.timeout.ms", zero_is_unlimited},
    {"max.in.flight", "max.in.flight.requests.per.connection", same},
    {"message.send.max.retries", "retries", same},
    {"compression.codec", "compression.type", same},
    {"socket.send.buffer.bytes", "send.buffer.bytes", zero_is_os_default},
    {"socket.receive.buffer.bytes", "receive.buffer.bytes", zero_is_os_default},
    {"sasl.mechanisms", "sasl.mechanism", same},
};

// librdkafka names with no equivalent here, and what to use instead.
struct NoEquivalent {
  std::string_view librdkafka;
  std::string_view instead;
};

constexpr NoEquivalent no_equivalent[] = {
    {"batch.num.messages", "batch.size (a batch is bounded in bytes)"},
    {"sticky.partitioning.linger.ms", "batch.size (the sticky partitioner moves on after batch.size bytes)"},
    {"socket.timeout.ms", "request.timeout.ms"},
    {"topic.metadata.refresh.interval.ms", "metadata.max.age.ms"},
    {"enable.gapless.guarantee", "enable.idempotence (gaps fail the transaction with transactional.id)"},
    {"statistics.interval.ms", "none yet"},
    {"debug", "none yet"},
};

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::optional<JavaProperty> java_equivalent(std::string_view key, const std::string& value) {
  for (const Alias& a : aliases) {
    if (a.librdkafka == key) return JavaProperty{std::string(a.java), a.convert(value)};
  }
  return std::nullopt;
}

std::string unknown_property_message(std::string_view key, std::span<const std::string_view> supported) {
  std::string message = "unknown producer property '" + std::string(key) + "'";
  for (const NoEquivalent& n : no_equivalent) {
    if (n.librdkafka == key) return message + " (librdkafka's; no equivalent here; closest: " + std::string(n.instead) + ")";
  }
  std::string_view best;
  std::size_t best_distance = std::numeric_limits<std::size_t>::max();
  auto consider = [&](std::string_view name) {
    const std::size_t d = edit_distance(key, name);
    if (d < best_distance) {
      best_distance = d;
      best = name;
    }
  };
  for (std::string_view name : supported) consider(name);
  for (const Alias& a : aliases) consider(a.librdkafka);
  if (!best.empty()) message += " (closest supported: " + std::string(best) + ")";
  return message;
}

}  // namespace kwire::detail
