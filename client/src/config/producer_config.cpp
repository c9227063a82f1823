// ProducerConfig: the Java property names mapped onto the typed struct, and
// the checks of ranges and combinations the Java client makes.
#include "kwire/producer_config.hpp"

#include <algorithm>
#include <functional>
#include <limits>
#include <set>

#include "config/librdkafka_properties.hpp"
#include "config/property_table.hpp"
#include "config/property_values.hpp"
#include "config/security_properties.hpp"
#include "kwire/net/config.hpp"

namespace kwire {
namespace {

using detail::parse_bool;
using detail::parse_int;
using ms = std::chrono::milliseconds;

constexpr std::int64_t int_max = std::numeric_limits<std::int32_t>::max();
constexpr std::int64_t long_max = std::numeric_limits<std::int64_t>::max() / 1000000;  // fits in chrono

using Setter = detail::PropertySetter<ProducerConfig>;

Setter int32_field(std::int32_t ProducerConfig::*field, std::int64_t min, std::int64_t max) {
  return detail::int32_setter(field, min, max);
}

Setter ms_field(ms ProducerConfig::*field, std::int64_t min, std::int64_t max) {
  return detail::ms_setter(field, min, max);
}

bool set_acks(ProducerConfig& c, const std::string& v, std::string& why) {
  std::string t = detail::to_lower(detail::trim(v));
  if (t == "all" || t == "-1") c.acks = -1;
  else if (t == "0") c.acks = 0;
  else if (t == "1") c.acks = 1;
  else {
    why = "'" + v + "' is not one of all, -1, 0, 1";
    return false;
  }
  return true;
}

bool set_compression(ProducerConfig& c, const std::string& v, std::string& why) {
  std::string t = detail::to_lower(detail::trim(v));
  if (t == "none") c.compression_type = CompressionType::none;
  else if (t == "gzip") c.compression_type = CompressionType::gzip;
  else if (t == "snappy") c.compression_type = CompressionType::snappy;
  else if (t == "lz4") c.compression_type = CompressionType::lz4;
  else if (t == "zstd") c.compression_type = CompressionType::zstd;
  else {
    why = "'" + v + "' is not one of none, gzip, snappy, lz4, zstd";
    return false;
  }
  return true;
}

bool set_level(ProducerConfig& c, const std::string& v, std::string& why) {
  auto n = parse_int(v, -131072, 22, why);
  if (n) c.compression_level = static_cast<int>(*n);
  return n.has_value();
}

bool set_partitioner(ProducerConfig& c, const std::string& v, std::string& why) {
  std::string t = detail::to_lower(detail::trim(v));
  static const std::map<std::string, BuiltinPartitioner, std::less<>> names = {
      {"default", BuiltinPartitioner::default_partitioner},
      {"murmur2_random", BuiltinPartitioner::default_partitioner},
      {"uniform_sticky", BuiltinPartitioner::uniform_sticky},
      {"murmur2", BuiltinPartitioner::murmur2},
      {"consistent", BuiltinPartitioner::consistent},
      {"consistent_random", BuiltinPartitioner::consistent_random},
      {"fnv1a", BuiltinPartitioner::fnv1a},
      {"fnv1a_random", BuiltinPartitioner::fnv1a_random},
      {"random", BuiltinPartitioner::random},
  };
  auto it = names.find(t);
  if (it == names.end()) {
    why = "'" + v + "' is not one of";
    for (const auto& [name, mode] : names) why += (name == names.begin()->first ? " " : ", ") + name;
    return false;
  }
  c.partitioner = it->second;
  return true;
}

const std::map<std::string_view, Setter>& setters() {
  static const std::map<std::string_view, Setter> table = {
      {"bootstrap.servers", [](ProducerConfig& c, const std::string& v, std::string&) {
         c.bootstrap_servers = detail::parse_list(v);
         for (std::string& server : c.bootstrap_servers) server = net::with_default_port(server);
         return true;
       }},
      {"client.id", [](ProducerConfig& c, const std::string& v, std::string&) {
         c.client_id = v;
         return true;
       }},
      {"acks", set_acks},
      {"linger.ms", ms_field(&ProducerConfig::linger, 0, long_max)},
      {"batch.size", int32_field(&ProducerConfig::batch_size, 0, int_max)},
      {"buffer.memory", [](ProducerConfig& c, const std::string& v, std::string& why) {
         auto n = parse_int(v, 1, std::numeric_limits<std::int64_t>::max(), why);
         if (n) c.buffer_memory = *n;
         return n.has_value();
       }},
      {"queue.buffering.max.messages", int32_field(&ProducerConfig::buffer_max_records, 0, int_max)},
      {"max.block.ms", ms_field(&ProducerConfig::max_block, 0, long_max)},
      {"delivery.timeout.ms", ms_field(&ProducerConfig::delivery_timeout, 0, int_max)},
      {"request.timeout.ms", ms_field(&ProducerConfig::request_timeout, 0, int_max)},
      {"retries", int32_field(&ProducerConfig::retries, 0, int_max)},
      {"retry.backoff.ms", ms_field(&ProducerConfig::retry_backoff, 0, long_max)},
      {"retry.backoff.max.ms", ms_field(&ProducerConfig::retry_backoff_max, 0, long_max)},
      {"max.in.flight.requests.per.connection",
       int32_field(&ProducerConfig::max_in_flight_requests_per_connection, 1, int_max)},
      {"enable.idempotence", [](ProducerConfig& c, const std::string& v, std::string& why) {
         auto b = parse_bool(v, why);
         if (b) c.enable_idempotence = *b;
         return b.has_value();
       }},
      {"compression.type", set_compression},
      {"compression.level", set_level},
      {"compression.gzip.level", set_level},
      {"compression.lz4.level", set_level},
      {"compression.zstd.level", set_level},
      {"max.request.size", int32_field(&ProducerConfig::max_request_size, 1, int_max)},
      {"message.copy.max.bytes", int32_field(&ProducerConfig::message_copy_max_bytes, 0, int_max)},
      {"partitioner", set_partitioner},
      {"partitioner.ignore.keys", [](ProducerConfig& c, const std::string& v, std::string& why) {
         auto b = parse_bool(v, why);
         if (b) c.partitioner = *b ? BuiltinPartitioner::uniform_sticky : BuiltinPartitioner::default_partitioner;
         return b.has_value();
       }},
      {"metadata.max.age.ms", ms_field(&ProducerConfig::metadata_max_age, 0, long_max)},
      {"reconnect.backoff.ms", ms_field(&ProducerConfig::reconnect_backoff, 0, long_max)},
      {"reconnect.backoff.max.ms", ms_field(&ProducerConfig::reconnect_backoff_max, 0, long_max)},
      {"connections.max.idle.ms", ms_field(&ProducerConfig::connections_max_idle, -1, long_max)},
      {"send.buffer.bytes", int32_field(&ProducerConfig::send_buffer_bytes, -1, int_max)},
      {"receive.buffer.bytes", int32_field(&ProducerConfig::receive_buffer_bytes, -1, int_max)},
      {"transactional.id", [](ProducerConfig& c, const std::string& v, std::string& why) {
         if (v.empty()) {
           why = "must not be empty";
           return false;
         }
         c.transactional_id = v;
         return true;
       }},
      {"transaction.timeout.ms", ms_field(&ProducerConfig::transaction_timeout, 1, int_max)},
      {"enable.manual.events.poll", [](ProducerConfig& c, const std::string& v, std::string& why) {
         auto b = parse_bool(v, why);
         if (b) c.enable_manual_events_poll = *b;
         return b.has_value();
       }},
  };
  return table;
}

// Every name parse() accepts as it is (librdkafka's aliases aside).
const std::vector<std::string_view>& supported_names() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> all;
    for (const auto& [name, setter] : setters()) all.push_back(name);
    for (std::string_view name : detail::security_property_names()) all.push_back(name);
    return all;
  }();
  return names;
}

std::error_code fail(std::string& why, std::error_code code, std::string message) {
  why = std::move(message);
  return code;
}

// What the connection pool will accept: each entry may itself be a
// comma-separated list (as a mock cluster's bootstrap string is); every
// server in it must be host:port as net::parse_host_port reads it.
bool valid_host_port(std::string_view entry) {
  std::vector<std::string> servers = detail::parse_list(entry);
  if (servers.empty()) return false;
  std::string host;
  std::uint16_t port = 0;
  return std::all_of(servers.begin(), servers.end(),
                     [&](const std::string& server) { return net::parse_host_port(server, host, port); });
}

}  // namespace

std::error_code ProducerConfig::parse(const Properties& props, ProducerConfig& out, std::string& why) {
  // librdkafka's names become the Java ones first; `written` keeps the name
  // the caller used, for the messages.
  Properties java;
  std::map<std::string, std::string, std::less<>> written;
  for (const auto& [key, value] : props) {
    auto alias = detail::java_equivalent(key, value);
    const std::string& k = alias ? alias->key : key;
    const std::string& v = alias ? alias->value : value;
    auto [it, inserted] = java.try_emplace(k, v);
    if (!inserted) {
      if (it->second == v) continue;
      return fail(why, errc::conflicting_config,
                  written[k] + " and " + key + " are the same property; they were given different values");
    }
    written[k] = key;
  }
  ProducerConfig c;
  auto unknown = [](const std::string& name) { return detail::unknown_property_message(name, supported_names()); };
  for (const auto& [key, value] : java) {
    if (std::error_code ec = detail::apply_property(c, setters(), key, value, written[key], unknown, why)) return ec;
  }
  // As the Java client: when delivery.timeout.ms was left at its default, it
  // grows to cover linger.ms + request.timeout.ms instead of failing.
  if (!java.count("delivery.timeout.ms") && c.delivery_timeout < c.linger + c.request_timeout) {
    c.delivery_timeout = c.linger + c.request_timeout;
  }
  if (std::error_code ec = c.validate(why)) return ec;
  out = std::move(c);
  return {};
}

ProducerConfig ProducerConfig::from_properties(const Properties& props) {
  return detail::parse_or_throw<ProducerConfig>(props);
}

std::error_code ProducerConfig::validate(std::string& why) const {
  if (bootstrap_servers.empty()) {
    return fail(why, errc::invalid_config_value, "bootstrap.servers is required (host:port,...)");
  }
  for (const std::string& s : bootstrap_servers) {
    if (!valid_host_port(s)) {
      return fail(why, errc::invalid_config_value, "invalid value for bootstrap.servers: '" + s + "' is not host:port");
    }
  }
  if (acks != -1 && acks != 0 && acks != 1) return fail(why, errc::invalid_config_value, "acks must be all, -1, 0 or 1");
  if (batch_size < 0) return fail(why, errc::invalid_config_value, "batch.size must be >= 0");
  if (buffer_memory <= 0) return fail(why, errc::invalid_config_value, "buffer.memory must be > 0");
  if (max_request_size <= 0) return fail(why, errc::invalid_config_value, "max.request.size must be > 0");
  if (max_in_flight_requests_per_connection < 1) {
    return fail(why, errc::invalid_config_value, "max.in.flight.requests.per.connection must be >= 1");
  }
  if (linger.count() < 0 || max_block.count() < 0 || delivery_timeout.count() < 0 || request_timeout.count() < 0 ||
      retry_backoff.count() < 0) {
    return fail(why, errc::invalid_config_value, "durations (*.ms) must be >= 0");
  }
  if (delivery_timeout < linger + request_timeout) {
    return fail(why, errc::conflicting_config,
                "delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms");
  }
  if (enable_idempotence.value_or(false)) {
    if (acks != -1) {
      return fail(why, errc::conflicting_config,
                  "enable.idempotence=true requires acks=all (got acks=" + std::to_string(acks) + ")");
    }
    if (max_in_flight_requests_per_connection > 5) {
      return fail(why, errc::conflicting_config,
                  "enable.idempotence=true requires max.in.flight.requests.per.connection <= 5");
    }
    if (retries == 0) return fail(why, errc::conflicting_config, "enable.idempotence=true requires retries > 0");
  }
  if (transactional_id) {
    if (enable_idempotence == false) {
      return fail(why, errc::conflicting_config, "transactional.id requires enable.idempotence=true (got false)");
    }
    if (acks != -1) {
      return fail(why, errc::conflicting_config,
                  "transactional.id requires acks=all (got acks=" + std::to_string(acks) + ")");
    }
    if (max_in_flight_requests_per_connection > 5) {
      return fail(why, errc::conflicting_config,
                  "transactional.id requires max.in.flight.requests.per.connection <= 5");
    }
    if (retries == 0) return fail(why, errc::conflicting_config, "transactional.id requires retries > 0");
    if (transaction_timeout.count() <= 0 || transaction_timeout.count() > 2147483647) {
      return fail(why, errc::invalid_config_value, "transaction.timeout.ms must be in 1..2147483647");
    }
  }
  if (compression_level) {
    int l = *compression_level;
    bool ok = true;
    switch (compression_type) {
      case CompressionType::gzip: ok = (l >= 1 && l <= 9) || l == -1; break;
      case CompressionType::lz4: ok = l >= 1 && l <= 17; break;
      case CompressionType::zstd: ok = l >= -131072 && l <= 22; break;
      case CompressionType::none:
      case CompressionType::snappy: ok = true; break;  // no levels; ignored as the Java client does
    }
    if (!ok) {
      return fail(why, errc::invalid_config_value,
                  "compression.level " + std::to_string(l) + " is out of range for the configured codec");
    }
  }
  if (std::error_code ec = detail::validate_security(security, why)) return ec;
  return {};
}

}  // namespace kwire
