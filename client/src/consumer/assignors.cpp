// Range and round-robin assignment (see assignors.hpp).
#include "consumer/assignors.hpp"

#include <algorithm>

namespace kwire::detail {
namespace {

// The members in assignment order, as Java's MemberInfo orders them: static
// members first, by instance id, then the others by member id.
std::vector<const AssignorMember*> ordered(const std::vector<AssignorMember>& members) {
  std::vector<const AssignorMember*> out;
  for (const AssignorMember& m : members) out.push_back(&m);
  std::sort(out.begin(), out.end(), [](const AssignorMember* a, const AssignorMember* b) {
    if (a->instance_id && b->instance_id) return *a->instance_id < *b->instance_id;
    if (a->instance_id || b->instance_id) return a->instance_id.has_value();
    return a->member_id < b->member_id;
  });
  return out;
}

bool subscribes(const AssignorMember& m, const std::string& topic) {
  return std::find(m.topics.begin(), m.topics.end(), topic) != m.topics.end();
}

GroupAssignments empty_for(const std::vector<AssignorMember>& members) {
  GroupAssignments out;
  for (const AssignorMember& m : members) out[m.member_id];
  return out;
}

void sort_each(GroupAssignments& out) {
  for (auto& [member, partitions] : out) std::sort(partitions.begin(), partitions.end());
}

}  // namespace

GroupAssignments assign_range(const std::vector<AssignorMember>& members, const PartitionCounts& partitions) {
  GroupAssignments out = empty_for(members);
  const auto order = ordered(members);
  for (const auto& [topic, count] : partitions) {
    std::vector<const AssignorMember*> takers;
    for (const AssignorMember* m : order)
      if (subscribes(*m, topic)) takers.push_back(m);
    if (takers.empty()) continue;
    const auto n = static_cast<std::int32_t>(takers.size());
    const std::int32_t each = count / n, extra = count % n;
    std::int32_t next = 0;
    for (std::int32_t i = 0; i < n; ++i) {
      const std::int32_t take = each + (i < extra ? 1 : 0);
      for (std::int32_t k = 0; k < take; ++k) out[takers[static_cast<std::size_t>(i)]->member_id].push_back({topic, next++});
    }
  }
  sort_each(out);
  return out;
}

GroupAssignments assign_roundrobin(const std::vector<AssignorMember>& members, const PartitionCounts& partitions) {
  GroupAssignments out = empty_for(members);
  const auto order = ordered(members);
  if (order.empty()) return out;
  std::size_t cursor = 0;
  for (const auto& [topic, count] : partitions) {
    bool anyone = false;
    for (const AssignorMember* m : order) anyone = anyone || subscribes(*m, topic);
    if (!anyone) continue;
    for (std::int32_t p = 0; p < count; ++p) {
      // The next member in the circle that subscribes to this topic.
      while (!subscribes(*order[cursor % order.size()], topic)) ++cursor;
      out[order[cursor % order.size()]->member_id].push_back({topic, p});
      ++cursor;
    }
  }
  sort_each(out);
  return out;
}

}  // namespace kwire::detail
