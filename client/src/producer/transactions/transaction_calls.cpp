// The user-facing transactional calls: see transaction_calls.hpp.
#include "producer/transactions/transaction_calls.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include <atomic>

#include "kwire/errors.hpp"

namespace kwire::detail {

TransactionCalls::TransactionCalls(asio::io_context& io, RecordAccumulator& accumulator,
                                   const IdempotenceState& idempotence, const ProduceOutcomeCounters& counters,
                                   std::shared_ptr<net::ConnectionPool> pool, const ProducerConfig& config)
    : io_(io), accumulator_(accumulator), wake_(io) {
  if (!pool || !config.transactional_id) return;
  TransactionSettings settings;
  settings.transactional_id = *config.transactional_id;
  settings.transaction_timeout = config.transaction_timeout;
  settings.retry_backoff = config.retry_backoff;
  requests_ = std::make_unique<TransactionRequests>(io.get_executor(), std::move(pool), accumulator, idempotence,
                                                    counters, state_, std::move(settings));
  // A failure inside the transaction ends a commit's flush at once (io thread).
  // A fatal one is also the application's error callback's, once (issue 14).
  requests_->on_failure([this, on_error = config.on_error, reported = false]() mutable {
    wake();
    if (!on_error || reported || !state_.fatal()) return;
    reported = true;
    const std::error_code ec = state_.last_error();
    on_error(ClientError{ec, true, "transactional producer failed fatally: " + ec.message() +
                                       "; only close() is left"});
  });
}

void TransactionCalls::enqueue(Call call, Done done) {
  asio::post(io_, [this, call = std::move(call), done = std::move(done)]() mutable {
    queue_.push_back({std::move(call), std::move(done)});
    if (running_) return;
    running_ = true;
    asio::co_spawn(io_, run_queued(), asio::detached);
  });
}

asio::awaitable<void> TransactionCalls::run_queued() {
  while (!queue_.empty()) {
    Queued next = std::move(queue_.front());
    queue_.pop_front();
    const std::error_code ec = co_await next.call();
    next.done(ec);
  }
  running_ = false;
}

void TransactionCalls::init(Clock::time_point deadline, Done done) {
  enqueue(
      [this, deadline]() -> asio::awaitable<std::error_code> {
        if (std::error_code ec = state_.start_init()) co_return ec;
        co_return co_await requests_->init_producer_id(deadline);
      },
      std::move(done));
}

void TransactionCalls::send_offsets(std::vector<TopicPartitionOffset> offsets, ConsumerGroupMetadata group,
                                    Clock::time_point deadline, Done done) {
  enqueue(
      [this, offsets = std::move(offsets), group = std::move(group), deadline]() -> asio::awaitable<std::error_code> {
        if (std::error_code ec = state_.check_in_transaction()) co_return ec;
        if (group.group_id.empty()) co_return make_error_code(errc::invalid_config_value);
        if (offsets.empty()) co_return std::error_code();
        co_return co_await requests_->send_offsets(offsets, group, deadline);
      },
      std::move(done));
}

void TransactionCalls::commit(Clock::time_point deadline, Done done) { end(true, deadline, std::move(done)); }

void TransactionCalls::abort(Clock::time_point deadline, Done done) { end(false, deadline, std::move(done)); }

void TransactionCalls::end(bool commit, Clock::time_point deadline, Done done) {
  enqueue(
      [this, commit, deadline]() -> asio::awaitable<std::error_code> {
        if (std::error_code ec = commit ? state_.start_commit() : state_.start_abort()) co_return ec;
        const TxnState ending = commit ? TxnState::committing : TxnState::aborting;
        if (std::error_code ec = co_await flush_while(ending, deadline, !commit)) co_return ec;
        co_return co_await requests_->end_transaction(commit, deadline);
      },
      std::move(done));
}

asio::awaitable<std::error_code> TransactionCalls::flush_while(TxnState expected, Clock::time_point deadline,
                                                               bool fail_queued) {
  if (fail_queued) requests_->fail_queued();
  // The flush completes on whichever thread reports its last batch; it only
  // wakes this coroutine, on the io thread. Once the io_context stopped the
  // producer is being torn down (this object may be gone, batches of
  // destroyed coroutines still complete): nothing waits any more.
  auto flushed = std::make_shared<std::atomic<bool>>(false);
  asio::io_context& io = io_;
  const std::uint64_t id = accumulator_.start_flush([this, &io, flushed] {
    flushed->store(true, std::memory_order_release);
    if (!io.stopped()) asio::post(io, [this] { wake(); });
  });
  // Torn down while waiting: the flush is withdrawn with this coroutine.
  struct Withdraw {
    RecordAccumulator& accumulator;
    std::uint64_t id;
    ~Withdraw() { accumulator.cancel_flush(id); }
  } withdraw{accumulator_, id};
  for (;;) {
    if (state_.state() != expected) {
      accumulator_.cancel_flush(id);
      co_return state_.fatal() ? state_.last_error() : make_error_code(errc::transaction_abortable);
    }
    if (flushed->load(std::memory_order_acquire)) co_return std::error_code();
    if (Clock::now() >= deadline) {
      // Timed out, unless it finished just now.
      if (accumulator_.cancel_flush(id)) co_return make_error_code(errc::transaction_timeout);
      co_return std::error_code();
    }
    wake_.expires_at(deadline);
    std::error_code ignored;
    co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
}

}  // namespace kwire::detail
