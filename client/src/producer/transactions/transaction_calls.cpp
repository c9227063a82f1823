// Blocking transactional calls: see transaction_calls.hpp. User threads.
#include "producer/transactions/transaction_calls.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>

#include <future>

#include "kwire/errors.hpp"

namespace kwire::detail {

namespace {
// Flush waits in slices this long so a failure or fencing ends it early.
constexpr std::chrono::milliseconds kFlushSlice{50};
// How long past its deadline a call waits for the io thread's answer (the
// coroutine itself stops at the deadline).
constexpr std::chrono::seconds kAnswerSlack{2};
}  // namespace

TransactionCalls::TransactionCalls(asio::io_context& io, RecordAccumulator& accumulator, Sender& sender,
                                   std::shared_ptr<net::ConnectionPool> pool, const ProducerConfig& config)
    : io_(io), accumulator_(accumulator) {
  if (!pool || !config.transactional_id) return;
  TransactionSettings settings;
  settings.transactional_id = *config.transactional_id;
  settings.transaction_timeout = config.transaction_timeout;
  settings.retry_backoff = config.retry_backoff;
  requests_ = std::make_unique<TransactionRequests>(io.get_executor(), std::move(pool), sender,
                                                    state_, std::move(settings));
}

template <typename MakeAwaitable>
std::error_code TransactionCalls::run_on_io(MakeAwaitable make, Clock::time_point deadline) {
  auto done = std::make_shared<std::promise<std::error_code>>();
  auto result = done->get_future();
  asio::co_spawn(
      io_,
      [make = std::move(make), done]() mutable -> asio::awaitable<void> {
        std::error_code ec = co_await make();
        done->set_value(ec);
      },
      asio::detached);
  if (result.wait_until(deadline + kAnswerSlack) != std::future_status::ready) return errc::transaction_timeout;
  return result.get();
}

std::error_code TransactionCalls::init(std::chrono::milliseconds timeout) {
  std::lock_guard lock(call_mu_);
  if (std::error_code ec = state_.start_init()) return ec;
  const auto deadline = Clock::now() + timeout;
  return run_on_io([this, deadline] { return requests_->init_producer_id(deadline); }, deadline);
}

std::error_code TransactionCalls::begin() {
  return state_.begin();
}

std::error_code TransactionCalls::send_offsets(const std::vector<TopicPartitionOffset>& offsets,
                                               const ConsumerGroupMetadata& group,
                                               std::chrono::milliseconds timeout) {
  std::lock_guard lock(call_mu_);
  if (std::error_code ec = state_.check_in_transaction()) return ec;
  if (group.group_id.empty()) return errc::invalid_config_value;
  if (offsets.empty()) return {};
  const auto deadline = Clock::now() + timeout;
  return run_on_io(
      [this, offsets, group, deadline] { return requests_->send_offsets(offsets, group, deadline); }, deadline);
}

std::error_code TransactionCalls::flush_while(TxnState expected, Clock::time_point deadline, bool fail_queued) {
  for (;;) {
    if (state_.state() != expected) return state_.fatal() ? state_.last_error() : errc::transaction_abortable;
    if (fail_queued) {
      // Batches returned for a retry land in the queue again: fail them too.
      asio::post(io_, [this] { requests_->fail_queued(); });
    }
    const auto now = Clock::now();
    if (accumulator_.flush(std::min(deadline, now + kFlushSlice))) return {};
    if (Clock::now() >= deadline) return errc::transaction_timeout;
  }
}

std::error_code TransactionCalls::commit(std::chrono::milliseconds timeout) {
  std::lock_guard lock(call_mu_);
  if (std::error_code ec = state_.start_commit()) return ec;
  const auto deadline = Clock::now() + timeout;
  if (std::error_code ec = flush_while(TxnState::committing, deadline, false)) return ec;
  return run_on_io([this, deadline] { return requests_->end_transaction(true, deadline); }, deadline);
}

std::error_code TransactionCalls::abort(std::chrono::milliseconds timeout) {
  std::lock_guard lock(call_mu_);
  if (std::error_code ec = state_.start_abort()) return ec;
  const auto deadline = Clock::now() + timeout;
  if (std::error_code ec = flush_while(TxnState::aborting, deadline, true)) return ec;
  return run_on_io([this, deadline] { return requests_->end_transaction(false, deadline); }, deadline);
}

}  // namespace kwire::detail
