// The user-facing half of a transactional producer: init_transactions,
// begin, send_offsets_to_transaction, commit and abort. begin() is a local
// state change; the others run as coroutines on the io thread, one at a time
// in call order, and complete a void(std::error_code) callback (the
// Producer's async_* forms hand it their handler; its blocking calls wait for
// it). State checks happen when a call's turn comes (TransactionalState); the
// coordinator requests are TransactionRequests'. commit flushes first; abort
// fails the records not yet sent with errc::transaction_aborted and waits
// for those in flight before EndTxn. Waits end on events: the flush done,
// the state turned abortable or fatal, the deadline.
// Threads: init/send_offsets/commit/abort/begin/check_send from any thread;
// requests() is the sender's to pull from, on the io thread. The callbacks
// run on the io thread.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string_view>
#include <system_error>
#include <vector>

#include "kwire/producer.hpp"
#include "producer/accumulator/record_accumulator.hpp"
#include "producer/idempotence/idempotence_state.hpp"
#include "producer/sender/batch_outcomes.hpp"
#include "producer/transactions/transaction_requests.hpp"
#include "producer/transactions/transactional_state.hpp"

namespace kwire::detail {

class TransactionCalls {
 public:
  using Clock = std::chrono::steady_clock;
  using Done = std::function<void(std::error_code)>;

  // `pool` may be null (a test backend): then not available().
  // `idempotence` and `counters` are the sender's (read only).
  TransactionCalls(asio::io_context& io, RecordAccumulator& accumulator, const IdempotenceState& idempotence,
                   const ProduceOutcomeCounters& counters, std::shared_ptr<net::ConnectionPool> pool,
                   const ProducerConfig& config);

  // False without a coordinator to talk to; the calls below are then not made
  // (ProducerImpl::transaction_calls answers errc::transactions_unavailable).
  bool available() const noexcept { return requests_ != nullptr; }
  std::error_code check_send() const noexcept { return state_.check_send(); }
  // What the sender pulls from (null when not available()).
  TransactionRequests* requests() noexcept { return requests_.get(); }

  std::error_code begin() { return state_.begin(); }
  void init(Clock::time_point deadline, Done done);
  void send_offsets(std::vector<TopicPartitionOffset> offsets, ConsumerGroupMetadata group, Clock::time_point deadline,
                    Done done);
  void commit(Clock::time_point deadline, Done done);
  void abort(Clock::time_point deadline, Done done);

  const TransactionalState& state() const noexcept { return state_; }
  // Coordinator requests sent again after a retriable error. Read only after
  // a transactional call returned (that orders it after the io thread's writes).
  std::uint64_t coordinator_retries() const noexcept { return requests_ ? requests_->coordinator_retries() : 0; }

 private:
  using Call = std::function<asio::awaitable<std::error_code>()>;
  struct Queued {
    Call call;
    Done done;
  };
  // commit (flush, then EndTxn) or abort (fail what is queued, flush, then EndTxn).
  void end(bool commit, Clock::time_point deadline, Done done);
  // Queues a call behind the others (any thread); runs it on the io thread.
  void enqueue(Call call, Done done);
  asio::awaitable<void> run_queued();
  // Flushes until done, `deadline` (errc::transaction_timeout), or the state
  // leaves `expected`. Abort fails queued batches first (and those that come
  // back for a retry: may_send does that while aborting).
  asio::awaitable<std::error_code> flush_while(TxnState expected, Clock::time_point deadline, bool fail_queued);
  // io thread: ends the current wait in flush_while early (it looks again).
  void wake() { wake_.cancel(); }

  asio::io_context& io_;
  RecordAccumulator& accumulator_;
  TransactionalState state_;
  std::unique_ptr<TransactionRequests> requests_;
  // io thread
  std::deque<Queued> queue_;
  bool running_ = false;
  asio::steady_timer wake_;
};

}  // namespace kwire::detail
