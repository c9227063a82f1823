// The Producer's close sequence (see producer_impl.hpp): close() from a user
// thread (flush until the deadline, abort an open transaction, fail the
// rest, halt the io thread) or from a report on the io thread (nothing
// waits), and the destructor that closes.
#include "producer/producer_impl.hpp"

#include <asio/post.hpp>

#include <future>
#include <memory>

#include "kwire/errors.hpp"

namespace kwire::detail {

ProducerImpl::~ProducerImpl() {
  close(config_.delivery_timeout);
  // Closed from a report, the io thread only stopped: it is joined here,
  // off it (net::destroy_outside), before what it ran goes.
  io_thread_.halt();
}

void ProducerImpl::close(std::chrono::milliseconds timeout) {
  std::lock_guard lock(close_mu_);
  if (closed_) return;
  closed_ = true;
  const Clock::time_point deadline = Clock::now() + timeout;
  const bool self = on_io_thread();
  accumulator_.close();
  // An open transaction would hold read_committed readers at its first
  // offset until the coordinator times it out: abort it (EndTxn abort),
  // bounded by the close timeout, as the Java client's sender does. Its
  // queued records report errc::transaction_aborted, and so does whatever
  // the deadline leaves. On the io thread (close from a report) nothing may
  // block: the records then fail as aborted without an EndTxn.
  std::error_code left_over = errc::producer_closed;
  if (txn_ && txn_->available() && txn_->state().transaction_open()) {
    left_over = errc::transaction_aborted;
    if (!self) abort_open_transaction(deadline);
  }
  sender_->initiate_close(deadline, left_over);
  if (!self) {
    // The sender delivers what it can until the deadline, then fails the rest
    // itself; allow it a moment beyond the deadline to do so.
    sender_->wait_closed(deadline + std::chrono::seconds(1));
    // Whatever is still queued is failed on the io thread, where reports run.
    std::promise<void> aborted;
    auto done = aborted.get_future();
    asio::post(io(), [this, &aborted, left_over] {
      accumulator_.abort_all(left_over);
      if (backend_.shutdown) backend_.shutdown();
      aborted.set_value();
    });
    if (done.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
      accumulator_.abort_all(left_over);
    }
  } else if (backend_.shutdown) {
    backend_.shutdown();
  }
  accumulator_.pool().close();
  // From the io thread itself (a report closing its producer) the io_context
  // only stops: the thread ends after this report; the destructor joins it.
  io_thread_.halt();
  {
    std::lock_guard answers(answers_mu_);
    io_halted_ = true;
  }
  answered_.notify_all();
  if (self) return;
  // Manual-poll mode: the reports of failed records are queued; run them now
  // on the closing (user) thread so none is left behind.
  if (dispatcher_.manual_poll()) dispatcher_.poll(std::chrono::milliseconds(0));
}

void ProducerImpl::abort_open_transaction(Clock::time_point deadline) {
  // The abort runs behind any transactional call still queued; it ends by
  // `deadline` (its flush and EndTxn are bounded by it). A little slack lets
  // its completion arrive; past that the sender's forced close settles the rest.
  auto result = std::make_shared<std::promise<std::error_code>>();
  auto aborted = result->get_future();
  txn_->abort(deadline, [result](std::error_code ec) { result->set_value(ec); });
  (void)aborted.wait_until(deadline + std::chrono::milliseconds(200));
}

}  // namespace kwire::detail
