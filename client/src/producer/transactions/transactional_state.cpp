// The transactional state machine: see transactional_state.hpp. Any thread.
#include "producer/transactions/transactional_state.hpp"

#include "kwire/errors.hpp"

namespace kwire::detail {

const char* to_string(TxnState s) noexcept {
  switch (s) {
    case TxnState::uninitialized: return "uninitialized";
    case TxnState::initializing: return "initializing";
    case TxnState::ready: return "ready";
    case TxnState::in_transaction: return "in_transaction";
    case TxnState::committing: return "committing";
    case TxnState::aborting: return "aborting";
    case TxnState::abortable_error: return "abortable_error";
    case TxnState::fatal_error: return "fatal_error";
  }
  return "unknown";
}

std::error_code TransactionalState::refusal() const {
  std::lock_guard lock(mu_);
  switch (state()) {
    case TxnState::fatal_error: return error_;
    case TxnState::abortable_error: return errc::transaction_abortable;
    default: return errc::invalid_transaction_state;
  }
}

std::error_code TransactionalState::start_init() {
  std::lock_guard lock(mu_);
  switch (state()) {
    case TxnState::uninitialized:
    case TxnState::initializing:
      set(TxnState::initializing);
      return {};
    case TxnState::fatal_error: return error_;
    default: return errc::invalid_transaction_state;
  }
}

void TransactionalState::init_done() {
  std::lock_guard lock(mu_);
  if (state() == TxnState::initializing || state() == TxnState::aborting) set(TxnState::ready);
}

std::error_code TransactionalState::begin() {
  std::lock_guard lock(mu_);
  switch (state()) {
    case TxnState::ready:
      set(TxnState::in_transaction);
      return {};
    case TxnState::fatal_error: return error_;
    case TxnState::abortable_error: return errc::transaction_abortable;
    default: return errc::invalid_transaction_state;
  }
}

std::error_code TransactionalState::start_commit() {
  std::lock_guard lock(mu_);
  switch (state()) {
    case TxnState::in_transaction:
    case TxnState::committing:
      set(TxnState::committing);
      return {};
    case TxnState::fatal_error: return error_;
    case TxnState::abortable_error: return errc::transaction_abortable;
    default: return errc::invalid_transaction_state;
  }
}

std::error_code TransactionalState::start_abort() {
  std::lock_guard lock(mu_);
  switch (state()) {
    case TxnState::in_transaction:
    case TxnState::committing:
    case TxnState::aborting:
    case TxnState::abortable_error:
      set(TxnState::aborting);
      return {};
    case TxnState::fatal_error: return error_;
    default: return errc::invalid_transaction_state;
  }
}

void TransactionalState::completed() {
  std::lock_guard lock(mu_);
  if (state() == TxnState::committing || state() == TxnState::aborting) {
    set(TxnState::ready);
    error_.clear();
  }
}

void TransactionalState::set_abortable(std::error_code cause) {
  std::lock_guard lock(mu_);
  TxnState s = state();
  if (s == TxnState::in_transaction || s == TxnState::committing) {
    error_ = cause;
    set(TxnState::abortable_error);
  }
}

void TransactionalState::set_fatal(std::error_code cause) {
  std::lock_guard lock(mu_);
  if (state() == TxnState::fatal_error) return;
  error_ = cause;
  set(TxnState::fatal_error);
}

std::error_code TransactionalState::last_error() const {
  std::lock_guard lock(mu_);
  return error_;
}

}  // namespace kwire::detail
