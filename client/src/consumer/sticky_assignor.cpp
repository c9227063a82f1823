// The cooperative-sticky assignor and KIP-429's withholding of partitions
// that move (see assignors.hpp).
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "consumer/assignors.hpp"

namespace kwire::detail {
namespace {

bool subscribes(const AssignorMember& m, const std::string& topic) {
  return std::find(m.topics.begin(), m.topics.end(), topic) != m.topics.end();
}

// Static members first by instance id, then by member id (as assignors.cpp).
bool before(const AssignorMember* a, const AssignorMember* b) {
  if (a->instance_id && b->instance_id) return *a->instance_id < *b->instance_id;
  if (a->instance_id || b->instance_id) return a->instance_id.has_value();
  return a->member_id < b->member_id;
}

}  // namespace

GroupAssignments assign_cooperative_sticky(const std::vector<AssignorMember>& members,
                                           const PartitionCounts& partitions) {
  std::vector<const AssignorMember*> order;
  for (const AssignorMember& m : members) order.push_back(&m);
  std::sort(order.begin(), order.end(), before);

  // Every partition of a topic someone subscribes to.
  std::set<TopicPartition> all;
  for (const auto& [topic, count] : partitions) {
    bool anyone = false;
    for (const AssignorMember* m : order) anyone = anyone || subscribes(*m, topic);
    if (!anyone) continue;
    for (std::int32_t p = 0; p < count; ++p) all.insert({topic, p});
  }

  // Who keeps what: an owned partition that still exists and is still
  // subscribed to; claimed twice (a zombie's stale view), the newer
  // generation wins, then the earlier member.
  std::map<TopicPartition, const AssignorMember*> holder;
  for (const AssignorMember* m : order)
    for (const TopicPartition& tp : m->owned) {
      if (!all.count(tp) || !subscribes(*m, tp.topic)) continue;
      auto [it, fresh] = holder.emplace(tp, m);
      if (!fresh && m->generation > it->second->generation) it->second = m;
    }
  std::map<const AssignorMember*, std::set<TopicPartition>> held;
  for (const AssignorMember* m : order) held[m];
  for (const auto& [tp, m] : holder) held[m].insert(tp);

  auto least_loaded = [&](const std::string& topic) -> const AssignorMember* {
    const AssignorMember* best = nullptr;
    for (const AssignorMember* m : order)
      if (subscribes(*m, topic) && (!best || held[m].size() < held[best].size())) best = m;
    return best;
  };
  // Unowned partitions, in order, each to the least loaded subscriber.
  for (const TopicPartition& tp : all)
    if (!holder.count(tp)) held[least_loaded(tp.topic)].insert(tp);

  // Balance: while some member could give one of its partitions to a
  // subscriber with at least two fewer, move it (its highest partition
  // first). The most loaded give first, so a member holding no more than
  // its share keeps what it owns. Each move lowers the sum of squared
  // loads, so this ends.
  for (bool moved = true; moved;) {
    moved = false;
    std::vector<const AssignorMember*> givers = order;
    std::stable_sort(givers.begin(), givers.end(), [&](const AssignorMember* a, const AssignorMember* b) {
      return held[a].size() > held[b].size();
    });
    for (const AssignorMember* from : givers) {
      for (auto it = held[from].rbegin(); it != held[from].rend(); ++it) {
        const AssignorMember* to = least_loaded(it->topic);
        if (held[to].size() + 1 >= held[from].size()) continue;
        const TopicPartition tp = *it;
        held[from].erase(tp);
        held[to].insert(tp);
        moved = true;
        break;
      }
      if (moved) break;
    }
  }

  GroupAssignments out;
  for (const auto& [m, parts] : held) out[m->member_id] = {parts.begin(), parts.end()};
  return out;
}

void withhold_moving(GroupAssignments& assignments, const std::vector<AssignorMember>& members) {
  // Every owner of each partition: one claimed by two members (a zombie's
  // stale view) is withheld from both, whichever order they came in.
  std::map<TopicPartition, std::set<std::string>> owners;
  for (const AssignorMember& m : members)
    for (const TopicPartition& tp : m.owned) owners[tp].insert(m.member_id);
  for (auto& [member_id, parts] : assignments)
    std::erase_if(parts, [&, &id = member_id](const TopicPartition& tp) {
      auto it = owners.find(tp);
      return it != owners.end() && (it->second.size() > 1 || *it->second.begin() != id);
    });
}

}  // namespace kwire::detail
