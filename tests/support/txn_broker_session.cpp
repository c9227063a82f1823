// One TxnBroker connection (see txn_broker_impl.hpp): requests are read and
// answered one at a time, in order; responses leave after the node's added
// latency, in order; a paused node holds the request it has read and reads
// no further. Io thread only.
#include "txn_broker_impl.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <atomic>

#include "server_thread.hpp"
#include "txn_broker_handlers.hpp"

namespace kwire::test::txn {

using asio::ip::tcp;

namespace {

// Numbers connections, so a held group request is known again when it asks.
std::atomic<std::uint64_t> next_session_id{1};

// How often a waiting Fetch (or held group request) looks again, and the longest a Fetch waits.
constexpr auto kFetchPoll = std::chrono::milliseconds(5);
constexpr auto kFetchWaitCap = std::chrono::seconds(2);
// How often a paused node looks whether it may read again.
constexpr auto kPausePoll = std::chrono::milliseconds(2);

}  // namespace

Session::Session(tcp::socket socket, std::int32_t node, BrokerState& state)
    : socket_(std::move(socket)),
      writer_wake_(socket_.get_executor()),
      reader_timer_(socket_.get_executor()),
      node_(node),
      id_(next_session_id.fetch_add(1, std::memory_order_relaxed)),
      state_(state) {}

void Session::start() {
  std::error_code ec;
  socket_.set_option(tcp::no_delay(true), ec);
  if (state_.options.socket_receive_buffer > 0)
    socket_.set_option(asio::socket_base::receive_buffer_size(state_.options.socket_receive_buffer), ec);
  asio::co_spawn(socket_.get_executor(), [self = shared_from_this()] { return self->read_loop(); }, asio::detached);
  asio::co_spawn(socket_.get_executor(), [self = shared_from_this()] { return self->write_loop(); }, asio::detached);
}

void Session::close() {
  if (closed_) return;
  closed_ = true;
  std::error_code ec;
  socket_.close(ec);
  writer_wake_.cancel();
  reader_timer_.cancel();
}

asio::awaitable<bool> Session::wait_while_paused() {
  for (;;) {
    {
      std::lock_guard lock(state_.mu);
      if (!state_.faults.paused_reading.count(node_)) co_return !closed_;
    }
    if (closed_) co_return false;
    std::error_code ec;
    reader_timer_.expires_after(kPausePoll);
    co_await reader_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

void Session::queue_response(std::vector<std::uint8_t> frame, bool close_after, Clock::time_point arrival,
                             std::chrono::milliseconds delay) {
  std::chrono::milliseconds rtt = delay;
  {
    std::lock_guard lock(state_.mu);
    auto it = state_.faults.rtt.find(node_);
    if (it != state_.faults.rtt.end()) rtt += it->second;
  }
  // Responses leave in request order, each no sooner than its latency allows.
  last_due_ = std::max(arrival + rtt, last_due_);
  queue_.push_back({last_due_, std::move(frame), close_after});
  writer_wake_.cancel();
}

asio::awaitable<void> Session::read_loop() {
  std::vector<std::uint8_t> frame;
  // A paused node holds the request it has read (and reads no further), so
  // the client's later requests pile up in the socket buffers.
  for (;;) {
    if (!co_await kwire::test::frames::read(socket_, frame)) {
      std::lock_guard lock(state_.mu);
      if (!closed_) ++state_.faults.counters.client_disconnects;
      break;
    }
    if (!co_await wait_while_paused()) break;
    const auto arrival = Clock::now();
    Reply reply = handle_request(frame, state_, false, node_, id_);
    if (reply.kind == Reply::Kind::wait) {
      auto deadline = Clock::now() + (reply.long_wait ? Clock::duration(reply.wait)
                                                      : std::min<Clock::duration>(reply.wait, kFetchWaitCap));
      while (reply.kind == Reply::Kind::wait && !closed_) {
        std::error_code ec;
        reader_timer_.expires_after(kFetchPoll);
        co_await reader_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        reply = handle_request(frame, state_, Clock::now() >= deadline, node_, id_);
      }
    }
    if (closed_ || reply.kind == Reply::Kind::close) break;
    if (reply.kind == Reply::Kind::respond) {
      queue_response(std::move(reply.frame), reply.close_after, arrival, reply.delay);
      if (reply.close_after) co_return;  // the writer closes once it is sent
    } else if (reply.close_after) {
      break;
    }
  }
  close();
}

asio::awaitable<void> Session::write_loop() {
  while (!closed_) {
    std::error_code ec;
    if (queue_.empty() || queue_.front().due > Clock::now()) {
      if (queue_.empty()) {
        writer_wake_.expires_at(Clock::time_point::max());
      } else {
        writer_wake_.expires_at(queue_.front().due);
      }
      co_await writer_wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    Outgoing out = std::move(queue_.front());
    queue_.pop_front();
    co_await asio::async_write(socket_, asio::buffer(out.frame), asio::redirect_error(asio::use_awaitable, ec));
    if (ec || out.close_after) break;
  }
  close();
}

}  // namespace kwire::test::txn
