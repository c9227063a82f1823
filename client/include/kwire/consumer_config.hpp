// Consumer configuration: a typed struct, and a parser for the Java client's
// property names ("group.id", "auto.offset.reset", ...) with librdkafka's
// aliases where it has its own name ("fetch.wait.max.ms",
// "fetch.message.max.bytes", "metadata.broker.list", ...). Unknown keys and
// bad values are errors that name the key. Any thread; plain data.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "kwire/producer_config.hpp"  // Properties, SecurityConfig

namespace kwire {

// Where a partition without a valid position starts (auto.offset.reset).
enum class OffsetReset : std::uint8_t { earliest, latest, none };

enum class IsolationLevel : std::int8_t { read_uncommitted = 0, read_committed = 1 };

struct ConsumerConfig {
  using ms = std::chrono::milliseconds;

  std::vector<std::string> bootstrap_servers;
  std::string client_id;
  std::optional<std::string> group_id;           // group.id; none = assign() only, no commits
  std::optional<std::string> group_instance_id;  // group.instance.id (KIP-345)
  OffsetReset auto_offset_reset = OffsetReset::latest;
  bool enable_auto_commit = true;
  ms auto_commit_interval{5000};
  IsolationLevel isolation_level = IsolationLevel::read_uncommitted;
  std::int32_t max_poll_records = 500;
  ms max_poll_interval{300000};
  ms session_timeout{45000};
  ms heartbeat_interval{3000};
  std::int32_t fetch_min_bytes = 1;
  ms fetch_max_wait{500};
  std::int32_t fetch_max_bytes = 52428800;
  std::int32_t max_partition_fetch_bytes = 1048576;
  // kwire: fetched bytes buffered in the consumer (responses not yet handed
  // out by poll) above which no further Fetch is sent. librdkafka's
  // queued.max.messages.kbytes sets it in KiB.
  std::int64_t fetch_buffer_bytes = 64 * 1024 * 1024;
  std::vector<std::string> partition_assignment_strategy{"range", "cooperative-sticky"};
  std::string client_rack;
  bool check_crcs = true;
  ms request_timeout{30000};
  ms default_api_timeout{60000};
  ms retry_backoff{100};
  ms reconnect_backoff{50};
  ms reconnect_backoff_max{1000};
  ms metadata_max_age{300000};
  ms connections_max_idle{540000};
  std::int32_t send_buffer_bytes = -1;     // -1: the OS's size (see ProducerConfig)
  std::int32_t receive_buffer_bytes = -1;
  SecurityConfig security;

  // Parses Java-style properties over the defaults above. Throws ConfigError.
  static ConsumerConfig from_properties(const Properties& props);
  // Non-throwing form: on error, `why` names the key and the problem.
  static std::error_code parse(const Properties& props, ConsumerConfig& out, std::string& why);
  // Checks ranges and combinations (also run by parse and by the Consumer).
  std::error_code validate(std::string& why) const;
};

}  // namespace kwire
