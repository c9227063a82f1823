// The TxnBroker's group coordinator rules (see txn_broker_group_state.hpp):
// join phases, generations, the leader's assignment, sessions and static
// members, as Kafka's GroupCoordinator runs a classic group. BrokerState::mu
// held throughout (io thread, or a test thread reading).
#include <algorithm>

#include "kwire/protocol/errors.hpp"
#include "txn_broker_group_state.hpp"

namespace kwire::test::txn {
namespace {

using kwire::protocol::kafka_errc;
using State = ClassicGroup::State;

constexpr std::int16_t code(kafka_errc e) { return static_cast<std::int16_t>(e); }

GroupAnswer error_answer(std::int16_t error) {
  GroupAnswer a;
  a.ready = true;
  a.error = error;
  return a;
}

// Hands a held request its answer; the request collects it when it next asks.
void deliver(GroupCoordinatorState& c, std::optional<WaitKey>& waiter, GroupAnswer answer) {
  if (!waiter) return;
  answer.ready = true;
  if (answer.error == code(kafka_errc::fenced_instance_id)) ++c.counters.fenced_instance_id;
  c.waiting[*waiter] = std::move(answer);
  waiter.reset();
}

// The request waits under `key` (a request of the member already waiting gives way).
void hold(GroupCoordinatorState& c, std::optional<WaitKey>& waiter, WaitKey key) {
  deliver(c, waiter, error_answer(code(kafka_errc::rebalance_in_progress)));
  waiter = key;
  c.waiting[key] = GroupAnswer{};
}

// The answer of `key` if it is ready (then forgotten), else not ready.
GroupAnswer collect(GroupCoordinatorState& c, WaitKey key) {
  auto it = c.waiting.find(key);
  if (it == c.waiting.end() || !it->second.ready) return GroupAnswer{};
  GroupAnswer a = std::move(it->second);
  c.waiting.erase(it);
  return a;
}

// Is the instance known under another member id? (Kafka's isStaticMemberFenced.)
bool fenced(GroupCoordinatorState& c, const ClassicGroup& g, const std::string& member_id,
            const std::optional<std::string>& instance_id) {
  if (!instance_id) return false;
  auto it = g.static_members.find(*instance_id);
  if (it == g.static_members.end() || it->second == member_id) return false;
  ++c.counters.fenced_instance_id;
  return true;
}

std::chrono::milliseconds longest_rebalance_timeout(const ClassicGroup& g) {
  std::chrono::milliseconds longest{0};
  for (const auto& [id, m] : g.members) longest = std::max(longest, m.rebalance_timeout);
  return longest;
}

// A join phase begins: every member must join again (syncs waiting on the
// generation that will not complete are told to).
void prepare_rebalance(GroupCoordinatorState& c, ClassicGroup& g, GroupClock::time_point now) {
  if (g.state == State::completing_rebalance)
    for (auto& [id, m] : g.members) deliver(c, m.sync_waiter, error_answer(code(kafka_errc::rebalance_in_progress)));
  g.state = State::preparing_rebalance;
  g.join_deadline = now + longest_rebalance_timeout(g);
  ++g.rebalances;
  for (auto& [id, m] : g.members) m.joined = m.join_waiter.has_value();
}

void elect_joined_leader(ClassicGroup& g) {
  auto leader = g.members.find(g.leader);
  if (leader != g.members.end() && leader->second.joined) return;
  for (const auto& [id, m] : g.members)
    if (m.joined) {
      g.leader = id;
      return;
    }
}

// The join phase ends: a new generation for those who joined.
void complete_join(GroupCoordinatorState& c, ClassicGroup& g, GroupClock::time_point now) {
  // Dynamic members that did not join again are out; static ones stay until their session ends.
  for (auto it = g.members.begin(); it != g.members.end();) {
    if (!it->second.joined && !it->second.instance_id) it = g.members.erase(it);
    else ++it;
  }
  const bool anyone_joined = std::any_of(g.members.begin(), g.members.end(), [](const auto& e) { return e.second.joined; });
  if (!g.members.empty() && !anyone_joined) {
    // Only absent static members: wait another round for their sessions to end.
    g.join_deadline = now + longest_rebalance_timeout(g);
    return;
  }
  ++g.generation;
  if (g.members.empty()) {
    g.state = State::empty;
    g.protocol_name.clear();
    g.leader.clear();
    return;
  }
  elect_joined_leader(g);
  g.protocol_name = select_protocol(g);
  g.state = State::completing_rebalance;
  for (auto& [id, m] : g.members) {
    if (!m.joined) continue;
    m.session_deadline = now + m.session_timeout;
    deliver(c, m.join_waiter, join_answer(g, m, id == g.leader));
  }
}

void try_complete_join(GroupCoordinatorState& c, ClassicGroup& g, GroupClock::time_point now) {
  if (g.state != State::preparing_rebalance || !g.pending.empty()) return;
  if (std::all_of(g.members.begin(), g.members.end(), [](const auto& e) { return e.second.joined; }))
    complete_join(c, g, now);
}

void remove_member(GroupCoordinatorState& c, ClassicGroup& g, const std::string& member_id,
                   GroupClock::time_point now) {
  auto it = g.members.find(member_id);
  if (it == g.members.end()) return;
  ClassicMember& m = it->second;
  deliver(c, m.join_waiter, error_answer(code(kafka_errc::unknown_member_id)));
  deliver(c, m.sync_waiter, error_answer(code(kafka_errc::unknown_member_id)));
  if (m.instance_id) g.static_members.erase(*m.instance_id);
  g.members.erase(it);
  if (g.state == State::stable || g.state == State::completing_rebalance) prepare_rebalance(c, g, now);
  try_complete_join(c, g, now);
}

void update(ClassicMember& m, const JoinInput& in, GroupClock::time_point now) {
  m.protocols = in.protocols;
  m.session_timeout = in.session_timeout;
  m.rebalance_timeout = in.rebalance_timeout;
  m.session_deadline = now + in.session_timeout;
}

// The member joins the join phase (beginning one if none is running).
GroupAnswer join_phase(GroupCoordinatorState& c, ClassicGroup& g, ClassicMember& m, const JoinInput& in,
                       GroupClock::time_point now) {
  update(m, in, now);
  hold(c, m.join_waiter, in.key);
  if (g.state != State::preparing_rebalance) prepare_rebalance(c, g, now);
  m.joined = true;
  try_complete_join(c, g, now);
  return collect(c, in.key);
}

std::string new_member_id(GroupCoordinatorState& c, const JoinInput& in) {
  return (in.instance_id ? *in.instance_id : std::string("member")) + "-" + std::to_string(c.next_member++);
}

GroupAnswer add_member(GroupCoordinatorState& c, ClassicGroup& g, const std::string& member_id, const JoinInput& in,
                       GroupClock::time_point now) {
  if (g.members.empty()) g.protocol_type = in.protocol_type;
  if (g.leader.empty() || !g.members.count(g.leader)) g.leader = member_id;
  ClassicMember& m = g.members[member_id];
  m.member_id = member_id;
  m.instance_id = in.instance_id;
  if (in.instance_id) g.static_members[*in.instance_id] = member_id;
  return join_phase(c, g, m, in, now);
}

// KIP-345: a known group.instance.id joins with no member id: a new id takes
// the old one's place (and assignment); the old id is fenced from now on.
// `old_id` is a copy: the caller's is the static_members entry rewritten here.
GroupAnswer replace_static_member(GroupCoordinatorState& c, ClassicGroup& g, std::string old_id,
                                  const JoinInput& in, GroupClock::time_point now) {
  ++c.counters.static_replacements;
  auto node = g.members.extract(old_id);
  ClassicMember& old = node.mapped();
  deliver(c, old.join_waiter, error_answer(code(kafka_errc::fenced_instance_id)));
  deliver(c, old.sync_waiter, error_answer(code(kafka_errc::fenced_instance_id)));
  const std::string new_id = new_member_id(c, in);
  const bool was_leader = g.leader == old_id;
  const bool same_protocols = old.protocols == in.protocols;
  node.key() = new_id;
  old.member_id = new_id;
  ClassicMember& m = g.members.insert(std::move(node)).position->second;
  g.static_members[*in.instance_id] = new_id;
  if (was_leader) g.leader = new_id;
  if (g.state == State::stable && same_protocols) {
    // No rebalance: the member gets the current generation and keeps its assignment.
    update(m, in, now);
    GroupAnswer a = join_answer(g, m, false);
    if (was_leader && in.version >= 9) {
      // KIP-814: it learns it leads, with the members, but must not assign.
      a = join_answer(g, m, true);
      a.skip_assignment = true;
    } else if (was_leader) {
      a.leader = old_id;  // older clients would assign: named no leader of theirs
    }
    return a;
  }
  if (g.state == State::preparing_rebalance) {
    update(m, in, now);
    hold(c, m.join_waiter, in.key);
    m.joined = true;
    try_complete_join(c, g, now);
    return collect(c, in.key);
  }
  return join_phase(c, g, m, in, now);
}

// A member the group knows joins again.
GroupAnswer rejoin(GroupCoordinatorState& c, ClassicGroup& g, ClassicMember& m, const JoinInput& in,
                   GroupClock::time_point now) {
  const bool same_protocols = m.protocols == in.protocols;
  switch (g.state) {
    case State::preparing_rebalance:
      update(m, in, now);
      hold(c, m.join_waiter, in.key);
      m.joined = true;
      try_complete_join(c, g, now);
      return collect(c, in.key);
    case State::completing_rebalance:
      if (same_protocols) return join_answer(g, m, m.member_id == g.leader);  // the answer it missed
      return join_phase(c, g, m, in, now);
    case State::stable:
      // The leader rejoining means it wants a new assignment; so do changed protocols.
      if (m.member_id == g.leader || !same_protocols) return join_phase(c, g, m, in, now);
      m.session_deadline = now + m.session_timeout;
      return join_answer(g, m, false);
    case State::empty:
      break;
  }
  return error_answer(code(kafka_errc::unknown_member_id));
}

}  // namespace

void group_tick(GroupCoordinatorState& c, const std::string& group_id, GroupClock::time_point now) {
  auto it = c.groups.find(group_id);
  if (it == c.groups.end()) return;
  ClassicGroup& g = it->second;
  std::erase_if(g.pending, [&](const auto& e) { return e.second <= now; });
  std::vector<std::string> expired;
  for (const auto& [id, m] : g.members)
    if (!m.join_waiter && !m.sync_waiter && m.session_deadline <= now) expired.push_back(id);
  for (const std::string& id : expired) {
    ++c.counters.session_expiries;
    remove_member(c, g, id, now);
  }
  if (g.state == State::preparing_rebalance && now >= g.join_deadline) complete_join(c, g, now);
  else try_complete_join(c, g, now);
}

GroupAnswer group_join(GroupCoordinatorState& c, const JoinInput& in, GroupClock::time_point now) {
  if (in.group_id.empty()) return error_answer(code(kafka_errc::invalid_group_id));
  if (in.session_timeout.count() <= 0) return error_answer(code(kafka_errc::invalid_session_timeout));
  ClassicGroup& g = c.groups[in.group_id];
  std::string self = in.member_id;
  if (in.instance_id && g.static_members.count(*in.instance_id) && in.member_id.empty())
    self = g.static_members[*in.instance_id];
  if (in.protocol_type.empty() || in.protocols.empty() ||
      (!g.members.empty() && (g.protocol_type != in.protocol_type || !shares_protocol(g, in.protocols, self))))
    return error_answer(code(kafka_errc::inconsistent_group_protocol));
  if (in.member_id.empty()) {
    if (in.instance_id && g.static_members.count(*in.instance_id))
      return replace_static_member(c, g, g.static_members[*in.instance_id], in, now);
    const std::string id = new_member_id(c, in);
    if (!in.instance_id && in.version >= 4) {
      // KIP-394: a dynamic member joins again with the id it is given.
      g.pending[id] = now + in.session_timeout;
      ++c.counters.member_id_required;
      GroupAnswer a = error_answer(code(kafka_errc::member_id_required));
      a.member_id = id;
      return a;
    }
    return add_member(c, g, id, in, now);
  }
  if (!in.instance_id && g.pending.erase(in.member_id)) return add_member(c, g, in.member_id, in, now);
  if (fenced(c, g, in.member_id, in.instance_id)) return error_answer(code(kafka_errc::fenced_instance_id));
  auto m = g.members.find(in.member_id);
  if (m == g.members.end()) return error_answer(code(kafka_errc::unknown_member_id));
  return rejoin(c, g, m->second, in, now);
}

GroupAnswer group_sync(GroupCoordinatorState& c, const std::string& group_id, std::int32_t generation,
                       const std::string& member_id, const std::optional<std::string>& instance_id,
                       const std::vector<std::pair<std::string, GroupBytes>>& assignments, WaitKey key,
                       GroupClock::time_point now) {
  auto it = c.groups.find(group_id);
  if (it == c.groups.end()) return error_answer(code(kafka_errc::unknown_member_id));
  ClassicGroup& g = it->second;
  if (fenced(c, g, member_id, instance_id)) return error_answer(code(kafka_errc::fenced_instance_id));
  auto found = g.members.find(member_id);
  if (found == g.members.end()) return error_answer(code(kafka_errc::unknown_member_id));
  if (generation != g.generation) return error_answer(code(kafka_errc::illegal_generation));
  ClassicMember& m = found->second;
  m.session_deadline = now + m.session_timeout;
  switch (g.state) {
    case State::empty: return error_answer(code(kafka_errc::unknown_member_id));
    case State::preparing_rebalance: return error_answer(code(kafka_errc::rebalance_in_progress));
    case State::stable: return sync_answer(g, m);
    case State::completing_rebalance: break;
  }
  hold(c, m.sync_waiter, key);
  if (member_id == g.leader) {
    // The leader's assignment completes the generation; members it left out get none.
    for (auto& [id, member] : g.members) member.assignment.clear();
    for (const auto& [id, bytes] : assignments) {
      auto target = g.members.find(id);
      if (target != g.members.end()) target->second.assignment = bytes;
    }
    g.state = State::stable;
    for (auto& [id, member] : g.members) deliver(c, member.sync_waiter, sync_answer(g, member));
  }
  return collect(c, key);
}

std::int16_t group_heartbeat(GroupCoordinatorState& c, const std::string& group_id, std::int32_t generation,
                             const std::string& member_id, const std::optional<std::string>& instance_id,
                             GroupClock::time_point now) {
  auto it = c.groups.find(group_id);
  if (it == c.groups.end()) return code(kafka_errc::unknown_member_id);
  ClassicGroup& g = it->second;
  if (fenced(c, g, member_id, instance_id)) return code(kafka_errc::fenced_instance_id);
  auto m = g.members.find(member_id);
  if (m == g.members.end()) return code(kafka_errc::unknown_member_id);
  if (generation != g.generation) return code(kafka_errc::illegal_generation);
  m->second.session_deadline = now + m->second.session_timeout;
  return g.state == State::preparing_rebalance ? code(kafka_errc::rebalance_in_progress) : 0;
}

std::int16_t group_leave(GroupCoordinatorState& c, const std::string& group_id, const std::string& member_id,
                         const std::optional<std::string>& instance_id, GroupClock::time_point now) {
  auto it = c.groups.find(group_id);
  if (it == c.groups.end()) return code(kafka_errc::unknown_member_id);
  ClassicGroup& g = it->second;
  std::string id = member_id;
  if (instance_id) {
    auto known = g.static_members.find(*instance_id);
    if (known == g.static_members.end()) return code(kafka_errc::unknown_member_id);
    // An empty member id leaves by instance alone (as an admin removes a static member).
    if (!member_id.empty() && known->second != member_id) {
      ++c.counters.fenced_instance_id;
      return code(kafka_errc::fenced_instance_id);
    }
    id = known->second;
  } else if (g.pending.erase(member_id)) {
    try_complete_join(c, g, now);
    return 0;
  }
  if (!g.members.count(id)) return code(kafka_errc::unknown_member_id);
  ++c.counters.leave_group_members;
  remove_member(c, g, id, now);
  return 0;
}

std::int16_t group_commit_check(GroupCoordinatorState& c, const std::string& group_id, std::int32_t generation,
                                const std::string& member_id, const std::optional<std::string>& instance_id) {
  auto it = c.groups.find(group_id);
  if (it == c.groups.end()) return generation < 0 ? 0 : code(kafka_errc::illegal_generation);
  const ClassicGroup& g = it->second;
  if (fenced(c, g, member_id, instance_id)) return code(kafka_errc::fenced_instance_id);
  if (generation < 0 && g.state == State::empty) return 0;
  if (g.state == State::completing_rebalance) return code(kafka_errc::rebalance_in_progress);
  if (!g.members.count(member_id)) return code(kafka_errc::unknown_member_id);
  if (generation != g.generation) return code(kafka_errc::illegal_generation);
  return 0;
}

std::optional<GroupAnswer> group_answer(GroupCoordinatorState& c, WaitKey key, bool give_up) {
  auto it = c.waiting.find(key);
  if (it == c.waiting.end()) return error_answer(code(kafka_errc::unknown_member_id));
  if (it->second.ready) return collect(c, key);
  if (!give_up) return std::nullopt;
  // Held too long: the member stops waiting and is told to join again.
  for (auto& [id, g] : c.groups)
    for (auto& [mid, m] : g.members) {
      if (m.join_waiter == key) m.join_waiter.reset();
      if (m.sync_waiter == key) m.sync_waiter.reset();
    }
  c.waiting.erase(it);
  return error_answer(code(kafka_errc::rebalance_in_progress));
}

}  // namespace kwire::test::txn
