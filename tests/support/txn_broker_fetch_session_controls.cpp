// The TxnBroker's fetch session switches and record (see txn_broker.hpp):
// each locks the shared state. Any thread.
#include "txn_broker_impl.hpp"

namespace kwire::test {

void TxnBroker::set_fetch_sessions(bool enabled) {
  std::lock_guard lock(impl_->state.mu);
  impl_->state.fetch_sessions.enabled = enabled;
}

void TxnBroker::evict_fetch_sessions(std::int32_t node) {
  std::lock_guard lock(impl_->state.mu);
  impl_->state.fetch_sessions.evict(node);
}

void TxnBroker::skew_fetch_session_epochs() {
  std::lock_guard lock(impl_->state.mu);
  impl_->state.fetch_sessions.skew_epochs();
}

int TxnBroker::open_fetch_sessions(std::int32_t node) const {
  std::lock_guard lock(impl_->state.mu);
  return impl_->state.fetch_sessions.open_sessions(node);
}

std::vector<TxnFetchSeen> TxnBroker::fetches_seen() const {
  std::lock_guard lock(impl_->state.mu);
  return impl_->state.fetch_sessions.seen;
}

}  // namespace kwire::test
