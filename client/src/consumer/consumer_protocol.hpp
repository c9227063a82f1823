// The classic group protocol's "consumer" payloads: the subscription a
// member sends in JoinGroup and the assignment the leader hands out in
// SyncGroup, each a version (int16) followed by the ConsumerProtocol
// structure of that version (generated from the specs). Versions above the
// newest known decode as the newest (the fields they add come last), as in
// the Java client. We write subscription v1 (topics, user data, owned
// partitions), which every librdkafka and Java member reads, and assignment v1.
// Plain data; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "kwire/consumer.hpp"

namespace kwire::detail {

struct GroupSubscription {
  std::vector<std::string> topics;
  std::vector<TopicPartition> owned;  // v1+: what the member holds (cooperative rebalancing)
  std::int32_t generation = -1;       // v2+
  std::optional<std::string> rack;    // v3+
  std::vector<std::uint8_t> user_data;
};

struct GroupAssignment {
  std::vector<TopicPartition> partitions;
  std::vector<std::uint8_t> user_data;
};

std::vector<std::uint8_t> encode_subscription(const GroupSubscription& s, std::int16_t version = 1);
std::error_code decode_subscription(const std::vector<std::uint8_t>& bytes, GroupSubscription& out);
std::vector<std::uint8_t> encode_assignment(const GroupAssignment& a, std::int16_t version = 1);
std::error_code decode_assignment(const std::vector<std::uint8_t>& bytes, GroupAssignment& out);

}  // namespace kwire::detail
