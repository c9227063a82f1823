// The TxnBroker's view of its consumer groups (see txn_broker_groups.hpp):
// each locks the shared state. Any thread.
#include "txn_broker_impl.hpp"

namespace kwire::test {

std::optional<TxnGroupView> TxnBroker::group(const std::string& group_id) const {
  std::lock_guard lock(impl_->state.mu);
  const auto& groups = impl_->state.classic_groups.groups;
  auto it = groups.find(group_id);
  if (it == groups.end()) return std::nullopt;
  const txn::ClassicGroup& g = it->second;
  TxnGroupView view;
  view.state = txn::group_state_name(g.state);
  view.generation = g.generation;
  view.protocol = g.protocol_name;
  view.leader = g.leader;
  view.rebalances = g.rebalances;
  for (const auto& [id, m] : g.members) view.members.push_back({id, m.instance_id, m.assignment});
  return view;
}

TxnGroupCounters TxnBroker::group_counters() const {
  std::lock_guard lock(impl_->state.mu);
  return impl_->state.classic_groups.counters;
}

}  // namespace kwire::test
