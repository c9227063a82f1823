// The transactional producer's state machine (after the Java client's
// TransactionManager.State): which user call is allowed when, and the error
// classes. Fatal errors (fenced, authorization) stick for good; abortable ones
// (a record or an offset commit failed inside the transaction) allow only
// abort_transaction(). Pure logic, no I/O.
// Threads: any. Transitions take a mutex (they are per transaction, not per
// record); the per-record send check is one atomic load.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <system_error>

namespace kwire::detail {

enum class TxnState : std::uint8_t {
  uninitialized,   // before init_transactions()
  initializing,    // InitProducerId under way (or timed out: call init again)
  ready,           // between transactions
  in_transaction,  // after begin_transaction()
  committing,      // commit_transaction() flushing or ending
  aborting,        // abort_transaction() under way
  abortable_error, // the transaction failed: only abort is allowed
  fatal_error,     // fenced or not authorized: nothing is allowed any more
};

const char* to_string(TxnState s) noexcept;

class TransactionalState {
 public:
  // init_transactions(): uninitialized|initializing -> initializing.
  std::error_code start_init();
  // InitProducerId done: initializing|aborting -> ready.
  void init_done();
  // begin_transaction(): ready -> in_transaction.
  std::error_code begin();
  // send(): allowed in a transaction only. One atomic load when allowed.
  std::error_code check_send() const noexcept {
    if (state_.load(std::memory_order_acquire) == TxnState::in_transaction) return {};
    return refusal();
  }
  // send_offsets_to_transaction(): in_transaction only.
  std::error_code check_in_transaction() const { return check_send(); }
  // commit_transaction(): in_transaction|committing (a retry after a timeout) -> committing.
  std::error_code start_commit();
  // abort_transaction(): in_transaction|committing|aborting|abortable_error -> aborting.
  std::error_code start_abort();
  // EndTxn done: committing|aborting -> ready.
  void completed();
  // A failure inside the transaction. Ignored while aborting (the abort is
  // what the user must do anyway) and once fatal.
  void set_abortable(std::error_code cause);
  void set_fatal(std::error_code cause);

  TxnState state() const noexcept { return state_.load(std::memory_order_acquire); }
  // The sender may send a transaction's batches (and add their partitions).
  bool sending_allowed() const noexcept {
    TxnState s = state();
    return s == TxnState::in_transaction || s == TxnState::committing;
  }
  bool fatal() const noexcept { return state() == TxnState::fatal_error; }
  // Begun and not yet ended: what close() must abort.
  bool transaction_open() const noexcept {
    TxnState s = state();
    return s == TxnState::in_transaction || s == TxnState::committing || s == TxnState::aborting ||
           s == TxnState::abortable_error;
  }
  std::error_code last_error() const;

 private:
  std::error_code refusal() const;
  void set(TxnState s) noexcept { state_.store(s, std::memory_order_release); }

  mutable std::mutex mu_;
  std::atomic<TxnState> state_{TxnState::uninitialized};
  std::error_code error_;  // the cause of abortable_error / fatal_error
};

}  // namespace kwire::detail
