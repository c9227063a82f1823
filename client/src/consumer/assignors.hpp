// The group leader's partition assignors of the classic protocol, by their
// protocol names, with the Java client's (and librdkafka's) rules so members
// of either kind agree on who reads what:
// - "range": per topic, the members subscribed to it in order take
//   consecutive ranges; the first (partitions % members) take one more.
// - "roundrobin": every subscribed partition, by topic then partition, goes
//   to the next member (in order) subscribed to its topic.
// - "cooperative-sticky" (KIP-429): every member keeps what it owns (the
//   owned partitions of its subscription) as far as balance allows; the
//   rest, and what an overloaded member gives up (the most loaded first, so
//   with equal subscriptions one holding no more than its share keeps all
//   it owns), goes to the least loaded member subscribed to it, until no
//   member has two more partitions than another that could take one of
//   them. withhold_moving() then takes out of each assignment the
//   partitions another member still owns (one two members claim, from
//   both): that member revokes them and joins again, and they are handed
//   out in the next round, so no partition is ever read by two members at
//   once.
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
  std::vector<TopicPartition> owned;  // what it holds now (subscription v1+); cooperative-sticky
  std::int32_t generation = -1;       // of `owned` (subscription v2+); -1 unknown
};

// member id -> its partitions, ascending; every member gets an entry (maybe empty).
using GroupAssignments = std::map<std::string, std::vector<TopicPartition>>;
// topic -> partition count (topics unknown to the metadata are left out)
using PartitionCounts = std::map<std::string, std::int32_t>;

GroupAssignments assign_range(const std::vector<AssignorMember>& members, const PartitionCounts& partitions);
GroupAssignments assign_roundrobin(const std::vector<AssignorMember>& members, const PartitionCounts& partitions);
// The balanced, sticky target assignment (before withhold_moving()).
GroupAssignments assign_cooperative_sticky(const std::vector<AssignorMember>& members,
                                           const PartitionCounts& partitions);
// KIP-429's first round: drops from each member's assignment the partitions
// another member says it owns (they are revoked first, assigned next round);
// a partition two members claim is withheld from both.
void withhold_moving(GroupAssignments& assignments, const std::vector<AssignorMember>& members);

}  // namespace kwire::detail
