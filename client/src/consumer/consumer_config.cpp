// ConsumerConfig: the Java property names (and librdkafka's aliases) mapped
// onto the typed struct, and the checks the Java client makes.
#include "kwire/consumer_config.hpp"

#include <functional>
#include <limits>
#include <map>
#include <string_view>

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

using Setter = detail::PropertySetter<ConsumerConfig>;

Setter int32_of(std::int32_t ConsumerConfig::*field, std::int64_t min) {
  return detail::int32_setter(field, min, int_max);
}

Setter ms_of(ms ConsumerConfig::*field, std::int64_t min) { return detail::ms_setter(field, min, int_max); }

Setter bool_of(bool ConsumerConfig::*field) {
  return [=](ConsumerConfig& c, const std::string& v, std::string& why) {
    auto b = parse_bool(v, why);
    if (b) c.*field = *b;
    return b.has_value();
  };
}

Setter optional_text(std::optional<std::string> ConsumerConfig::*field) {
  return [=](ConsumerConfig& c, const std::string& v, std::string&) {
    if (v.empty()) c.*field = std::nullopt;
    else c.*field = v;
    return true;
  };
}

bool set_reset(ConsumerConfig& c, const std::string& v, std::string& why) {
  std::string t = detail::to_lower(detail::trim(v));
  if (t == "earliest" || t == "smallest" || t == "beginning") c.auto_offset_reset = OffsetReset::earliest;
  else if (t == "latest" || t == "largest" || t == "end") c.auto_offset_reset = OffsetReset::latest;
  else if (t == "none" || t == "error") c.auto_offset_reset = OffsetReset::none;
  else {
    why = "'" + v + "' is not one of earliest, latest, none";
    return false;
  }
  return true;
}

bool set_isolation(ConsumerConfig& c, const std::string& v, std::string& why) {
  std::string t = detail::to_lower(detail::trim(v));
  if (t == "read_uncommitted") c.isolation_level = IsolationLevel::read_uncommitted;
  else if (t == "read_committed") c.isolation_level = IsolationLevel::read_committed;
  else {
    why = "'" + v + "' is not one of read_uncommitted, read_committed";
    return false;
  }
  return true;
}

// Java's class names and librdkafka's short names for the same assignors.
bool set_strategies(ConsumerConfig& c, const std::string& v, std::string& why) {
  std::vector<std::string> out;
  for (const std::string& item : detail::parse_list(v)) {
    std::string t = detail::to_lower(item);
    if (t == "range" || t == "org.apache.kafka.clients.consumer.rangeassignor") out.emplace_back("range");
    else if (t == "roundrobin" || t == "org.apache.kafka.clients.consumer.roundrobinassignor")
      out.emplace_back("roundrobin");
    else if (t == "cooperative-sticky" || t == "org.apache.kafka.clients.consumer.cooperativestickyassignor")
      out.emplace_back("cooperative-sticky");
    else {
      why = "'" + item + "' is not one of range, roundrobin, cooperative-sticky";
      return false;
    }
  }
  if (out.empty()) {
    why = "at least one assignor is required";
    return false;
  }
  c.partition_assignment_strategy = std::move(out);
  return true;
}

const std::map<std::string_view, Setter>& setters() {
  static const std::map<std::string_view, Setter> table = [] {
    std::map<std::string_view, Setter> t;
    Setter servers = [](ConsumerConfig& c, const std::string& v, std::string&) {
      c.bootstrap_servers = detail::parse_list(v);
      for (std::string& server : c.bootstrap_servers) server = net::with_default_port(server);  // as the producer
      return true;
    };
    t["bootstrap.servers"] = servers;
    t["metadata.broker.list"] = servers;
    t["client.id"] = [](ConsumerConfig& c, const std::string& v, std::string&) {
      c.client_id = v;
      return true;
    };
    t["group.id"] = optional_text(&ConsumerConfig::group_id);
    t["group.instance.id"] = optional_text(&ConsumerConfig::group_instance_id);
    t["auto.offset.reset"] = set_reset;
    t["enable.auto.commit"] = bool_of(&ConsumerConfig::enable_auto_commit);
    t["auto.commit.interval.ms"] = ms_of(&ConsumerConfig::auto_commit_interval, 0);
    t["isolation.level"] = set_isolation;
    t["max.poll.records"] = int32_of(&ConsumerConfig::max_poll_records, 1);
    t["max.poll.interval.ms"] = ms_of(&ConsumerConfig::max_poll_interval, 1);
    t["session.timeout.ms"] = ms_of(&ConsumerConfig::session_timeout, 1);
    t["heartbeat.interval.ms"] = ms_of(&ConsumerConfig::heartbeat_interval, 1);
    t["fetch.min.bytes"] = int32_of(&ConsumerConfig::fetch_min_bytes, 0);
    t["fetch.max.wait.ms"] = ms_of(&ConsumerConfig::fetch_max_wait, 0);
    t["fetch.wait.max.ms"] = ms_of(&ConsumerConfig::fetch_max_wait, 0);
    t["fetch.max.bytes"] = int32_of(&ConsumerConfig::fetch_max_bytes, 1);
    t["max.partition.fetch.bytes"] = int32_of(&ConsumerConfig::max_partition_fetch_bytes, 1);
    t["fetch.message.max.bytes"] = int32_of(&ConsumerConfig::max_partition_fetch_bytes, 1);
    t["fetch.buffer.bytes"] = [](ConsumerConfig& c, const std::string& v, std::string& why) {
      auto n = parse_int(v, 1, std::numeric_limits<std::int64_t>::max(), why);
      if (n) c.fetch_buffer_bytes = *n;
      return n.has_value();
    };
    t["queued.max.messages.kbytes"] = [](ConsumerConfig& c, const std::string& v, std::string& why) {
      auto n = parse_int(v, 1, int_max, why);
      if (n) c.fetch_buffer_bytes = *n * 1024;
      return n.has_value();
    };
    t["partition.assignment.strategy"] = set_strategies;
    t["client.rack"] = [](ConsumerConfig& c, const std::string& v, std::string&) {
      c.client_rack = v;
      return true;
    };
    t["check.crcs"] = bool_of(&ConsumerConfig::check_crcs);
    t["request.timeout.ms"] = ms_of(&ConsumerConfig::request_timeout, 1);
    t["default.api.timeout.ms"] = ms_of(&ConsumerConfig::default_api_timeout, 0);
    t["retry.backoff.ms"] = ms_of(&ConsumerConfig::retry_backoff, 0);
    t["reconnect.backoff.ms"] = ms_of(&ConsumerConfig::reconnect_backoff, 0);
    t["reconnect.backoff.max.ms"] = ms_of(&ConsumerConfig::reconnect_backoff_max, 0);
    t["metadata.max.age.ms"] = ms_of(&ConsumerConfig::metadata_max_age, 0);
    t["connections.max.idle.ms"] = ms_of(&ConsumerConfig::connections_max_idle, -1);
    t["send.buffer.bytes"] = int32_of(&ConsumerConfig::send_buffer_bytes, -1);
    t["receive.buffer.bytes"] = int32_of(&ConsumerConfig::receive_buffer_bytes, -1);
    return t;
  }();
  return table;
}

std::error_code refuse(std::string& why, std::error_code code, std::string message) {
  why = std::move(message);
  return code;
}

}  // namespace

std::error_code ConsumerConfig::parse(const Properties& props, ConsumerConfig& out, std::string& why) {
  ConsumerConfig c;
  auto unknown = [](const std::string& key) { return "unknown consumer property '" + key + "'"; };
  for (const auto& [key, value] : props) {
    if (std::error_code ec = detail::apply_property(c, setters(), key, value, key, unknown, why)) return ec;
  }
  if (std::error_code ec = c.validate(why)) return ec;
  out = std::move(c);
  return {};
}

ConsumerConfig ConsumerConfig::from_properties(const Properties& props) {
  return detail::parse_or_throw<ConsumerConfig>(props);
}

std::error_code ConsumerConfig::validate(std::string& why) const {
  if (bootstrap_servers.empty())
    return refuse(why, errc::invalid_config_value, "bootstrap.servers is required (host:port,...)");
  for (const std::string& entry : bootstrap_servers) {
    std::vector<std::string> servers = detail::parse_list(entry);
    std::string host;
    std::uint16_t port = 0;
    bool ok = !servers.empty();
    for (const std::string& s : servers) ok = ok && net::parse_host_port(s, host, port);
    if (!ok)
      return refuse(why, errc::invalid_config_value,
                    "invalid value for bootstrap.servers: '" + entry + "' is not host:port");
  }
  if (max_poll_records < 1) return refuse(why, errc::invalid_config_value, "max.poll.records must be >= 1");
  if (fetch_max_bytes < 1 || max_partition_fetch_bytes < 1 || fetch_buffer_bytes < 1)
    return refuse(why, errc::invalid_config_value, "fetch sizes must be >= 1");
  if (group_instance_id && !group_id)
    return refuse(why, errc::conflicting_config, "group.instance.id requires group.id");
  if (heartbeat_interval >= session_timeout)
    return refuse(why, errc::conflicting_config, "heartbeat.interval.ms must be lower than session.timeout.ms");
  if (partition_assignment_strategy.empty())
    return refuse(why, errc::invalid_config_value, "partition.assignment.strategy needs at least one assignor");
  if (std::error_code ec = detail::validate_security(security, why)) return ec;
  return {};
}

}  // namespace kwire
