// The TxnBroker group coordinator's protocols and answers (see
// txn_broker_group_state.hpp): which protocol a generation runs, and what a
// JoinGroup or SyncGroup is told. BrokerState::mu held.
#include <algorithm>

#include "txn_broker_group_state.hpp"

namespace kwire::test::txn {
namespace {

using State = ClassicGroup::State;

bool supports(const ClassicMember& m, const std::string& protocol) {
  return std::any_of(m.protocols.begin(), m.protocols.end(), [&](const auto& p) { return p.name == protocol; });
}

}  // namespace

bool shares_protocol(const ClassicGroup& g, const std::vector<GroupProtocol>& protocols, const std::string& except) {
  return std::any_of(protocols.begin(), protocols.end(), [&](const GroupProtocol& p) {
    return std::all_of(g.members.begin(), g.members.end(),
                       [&](const auto& entry) { return entry.first == except || supports(entry.second, p.name); });
  });
}

std::string select_protocol(const ClassicGroup& g) {
  auto leader = g.members.find(g.leader);
  const ClassicMember& first = leader != g.members.end() ? leader->second : g.members.begin()->second;
  std::vector<std::string> candidates;
  for (const GroupProtocol& p : first.protocols)
    if (std::all_of(g.members.begin(), g.members.end(), [&](const auto& e) { return supports(e.second, p.name); }))
      candidates.push_back(p.name);
  std::map<std::string, int> votes;
  for (const auto& [id, m] : g.members)
    for (const GroupProtocol& p : m.protocols)
      if (std::find(candidates.begin(), candidates.end(), p.name) != candidates.end()) {
        ++votes[p.name];
        break;
      }
  std::string best;
  for (const std::string& name : candidates)
    if (best.empty() || votes[name] > votes[best]) best = name;
  return best;
}

GroupAnswer join_answer(const ClassicGroup& g, const ClassicMember& m, bool with_members) {
  GroupAnswer a;
  a.ready = true;
  a.generation = g.generation;
  a.protocol_type = g.protocol_type;
  a.protocol_name = g.protocol_name;
  a.leader = g.leader;
  a.member_id = m.member_id;
  if (!with_members) return a;
  for (const auto& [id, other] : g.members) {
    GroupAnswer::Member out{id, other.instance_id, {}};
    for (const GroupProtocol& p : other.protocols)
      if (p.name == g.protocol_name) out.metadata = p.metadata;
    a.members.push_back(std::move(out));
  }
  return a;
}

GroupAnswer sync_answer(const ClassicGroup& g, const ClassicMember& m) {
  GroupAnswer a;
  a.ready = true;
  a.protocol_type = g.protocol_type;
  a.protocol_name = g.protocol_name;
  a.assignment = m.assignment;
  return a;
}

const char* group_state_name(ClassicGroup::State s) noexcept {
  switch (s) {
    case State::empty: return "Empty";
    case State::preparing_rebalance: return "PreparingRebalance";
    case State::completing_rebalance: return "CompletingRebalance";
    case State::stable: return "Stable";
  }
  return "?";
}

}  // namespace kwire::test::txn
