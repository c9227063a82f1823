// The group leader's partition assignors of the classic protocol, by their
// protocol names, with the Java client's (and librdkafka's) rules so members
// of either kind agree on who reads what:
// - "range": per topic, the members subscribed to it in order take
//   consecutive ranges; the first (partitions % members) take one more.
// - "roundrobin": every subscribed partition, by topic then partition, goes
//   to the next member (in order) subscribed to its topic.
// Members are ordered as Java orders them: static members (group.instance.id)
// first by instance id, so they keep their partitions across restarts, then
// the others by member id.
// Pure functions; any thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kwire/consumer.hpp"

namespace kwire::detail {

struct AssignorMember {
  std::string member_id;
  std::optional<std::string> instance_id;
  std::vector<std::string> topics;  // the member's subscription
};

// member id -> its partitions, ascending; every member gets an entry (maybe empty).
using GroupAssignments = std::map<std::string, std::vector<TopicPartition>>;
// topic -> partition count (topics unknown to the metadata are left out)
using PartitionCounts = std::map<std::string, std::int32_t>;

GroupAssignments assign_range(const std::vector<AssignorMember>& members, const PartitionCounts& partitions);
GroupAssignments assign_roundrobin(const std::vector<AssignorMember>& members, const PartitionCounts& partitions);

}  // namespace kwire::detail
