// The user-thread half of a transactional producer: init_transactions,
// begin, send_offsets_to_transaction, commit and abort as blocking calls with
// a timeout. State checks happen here (TransactionalState); the requests run
// as coroutines on the io thread (TransactionRequests) and this side waits
// for them. commit flushes first; abort fails the records not yet sent with
// errc::transaction_aborted and waits for those in flight before EndTxn.
// Threads: the public members from user threads (one transactional call at a
// time; concurrent ones queue on a mutex), never from the io thread;
// check_send() from any thread; may_send() on the io thread (the sender's gate).
#pragma once

#include <asio/io_context.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <string_view>
#include <system_error>
#include <vector>

#include "kwire/producer.hpp"
#include "producer/accumulator/record_accumulator.hpp"
#include "producer/sender/sender.hpp"
#include "producer/transactions/transaction_requests.hpp"
#include "producer/transactions/transactional_state.hpp"

namespace kwire::detail {

class TransactionCalls {
 public:
  using Clock = std::chrono::steady_clock;

  // `pool` may be null (a test backend): then not available().
  TransactionCalls(asio::io_context& io, RecordAccumulator& accumulator, Sender& sender,
                   std::shared_ptr<net::ConnectionPool> pool, const ProducerConfig& config);

  // False without a coordinator to talk to; the calls below are then not made
  // (ProducerImpl::transaction_calls answers errc::transactions_unavailable).
  bool available() const noexcept { return requests_ != nullptr; }
  std::error_code check_send() const noexcept { return state_.check_send(); }
  bool may_send(std::string_view topic, std::int32_t partition) {
    return requests_ ? requests_->may_send(topic, partition) : false;
  }

  std::error_code init(std::chrono::milliseconds timeout);
  std::error_code begin();
  std::error_code send_offsets(const std::vector<TopicPartitionOffset>& offsets, const ConsumerGroupMetadata& group,
                               std::chrono::milliseconds timeout);
  std::error_code commit(std::chrono::milliseconds timeout);
  std::error_code abort(std::chrono::milliseconds timeout);

  const TransactionalState& state() const noexcept { return state_; }
  // Coordinator requests sent again after a retriable error. Read only after
  // a transactional call returned (that orders it after the io thread's writes).
  std::uint64_t coordinator_retries() const noexcept { return requests_ ? requests_->coordinator_retries() : 0; }

 private:
  // Runs make() (returning asio::awaitable<std::error_code>) on the io thread
  // and waits for its result, a little past `deadline` at most.
  template <typename MakeAwaitable>
  std::error_code run_on_io(MakeAwaitable make, Clock::time_point deadline);
  // Flushes in short slices until done, `deadline`, or the state leaves
  // `expected`; between slices calls between_slices() on the io thread.
  std::error_code flush_while(TxnState expected, Clock::time_point deadline, bool fail_queued);

  asio::io_context& io_;
  RecordAccumulator& accumulator_;
  TransactionalState state_;
  std::unique_ptr<TransactionRequests> requests_;
  std::mutex call_mu_;
};

}  // namespace kwire::detail
