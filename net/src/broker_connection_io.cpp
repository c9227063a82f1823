// BrokerConnection request path: queueing, the writer coroutine (gather
// writes, several frames per write), the reader coroutine (length-checked
// frames matched in order by correlation id), timeouts and cancellation.
// Io_context thread only.
#include "kwire/net/broker_connection.hpp"

#include <asio/redirect_error.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <array>
#include <limits>

namespace kwire::net {

namespace {
using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxFramesPerWrite = 64;
constexpr std::size_t kMaxBytesPerWrite = 4 * 1024 * 1024;
// Ids of requests sent without expecting an answer, kept to recognise (and
// drop) an answer that comes anyway; bounded so a silent broker costs nothing.
constexpr std::size_t kMaxUnansweredIds = 1024;

std::uint32_t read_be32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}
}  // namespace

struct BrokerConnection::PendingRequest {
  enum class Phase { queued, writing, written };
  explicit PendingRequest(const asio::any_io_executor& executor) : wake(executor, Clock::time_point::max()) {}

  OutgoingFrame frame;
  bool expect_response = true;
  Phase phase = Phase::queued;
  bool finished = false;
  bool abandoned = false;  // timed out or cancelled after being written: its answer is dropped
  std::error_code error;
  FramePtr response;
  std::size_t body_offset = 0;
  Clock::time_point write_started;
  asio::steady_timer wake;  // doubles as the request's deadline
};

asio::awaitable<std::pair<std::error_code, RawResponse>> BrokerConnection::send_frame(OutgoingFrame frame,
                                                                                     bool expect_response,
                                                                                     SendOptions options) {
  auto self = shared_from_this();
  if (state_ == State::idle || state_ == State::connecting || state_ == State::closed)
    co_return std::pair{make_error_code(net_errc::not_connected), RawResponse{}};
  // We handle cancellation ourselves: a cancelled request must still be taken
  // out of the queue (or the connection closed if it is half written). The
  // flag belongs to the caller's whole coroutine chain, so it is restored.
  const bool caller_throws_if_cancelled = co_await asio::this_coro::throw_if_cancelled();
  co_await asio::this_coro::throw_if_cancelled(false);

  auto p = std::make_shared<PendingRequest>(executor_);
  p->frame = std::move(frame);
  p->expect_response = expect_response;
  outbound_.push_back(p);
  writer_wake_.cancel();
  p->wake.expires_after(options.timeout.value_or(config_->request_timeout));

  while (!p->finished) {
    std::error_code ec;
    co_await p->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (p->finished) break;
    auto cancellation = co_await asio::this_coro::cancellation_state;
    const bool cancelled = cancellation.cancelled() != asio::cancellation_type::none;
    if (!cancelled && ec == asio::error::operation_aborted) continue;  // not ours: keep waiting
    const std::error_code reason = cancelled ? net_errc::cancelled : net_errc::request_timed_out;
    switch (p->phase) {
      case PendingRequest::Phase::queued:
        outbound_.erase(std::find(outbound_.begin(), outbound_.end(), p));
        finish(*p, reason);
        break;
      case PendingRequest::Phase::writing:
        // Half a frame may be on the wire: the stream cannot be resynchronised.
        finish(*p, reason);
        close(reason);
        break;
      case PendingRequest::Phase::written:
        p->abandoned = true;  // stays in in_flight_ so the late answer is matched and dropped
        finish(*p, reason);
        break;
    }
  }
  if (p->error) counters_->add_error(p->error == net_errc::request_timed_out);
  co_await asio::this_coro::throw_if_cancelled(caller_throws_if_cancelled);
  co_return std::pair{p->error, RawResponse{std::move(p->response), p->body_offset}};
}

void BrokerConnection::finish(PendingRequest& request, std::error_code ec) {
  if (request.finished) return;
  request.finished = true;
  request.error = ec;
  request.wake.cancel();
}

asio::awaitable<void> BrokerConnection::write_loop(std::shared_ptr<BrokerConnection> keep_alive) {
  (void)keep_alive;  // the coroutine frame owns the connection until it ends
  std::vector<std::shared_ptr<PendingRequest>> batch;
  std::vector<asio::const_buffer> buffers;
  for (;;) {
    while (outbound_.empty() && state_ != State::closed) {
      std::error_code ignored;
      co_await writer_wake_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    if (state_ == State::closed) break;

    batch.clear();
    buffers.clear();
    std::size_t bytes = 0;
    const auto now = Clock::now();
    while (!outbound_.empty() && batch.size() < kMaxFramesPerWrite && bytes < kMaxBytesPerWrite) {
      auto p = std::move(outbound_.front());
      outbound_.pop_front();
      p->phase = PendingRequest::Phase::writing;
      p->write_started = now;
      // Registered before the write so that even an immediate answer finds it.
      if (p->expect_response) {
        in_flight_.push_back(p);
      } else {
        unanswered_ids_.push_back(p->frame.correlation_id);
        if (unanswered_ids_.size() > kMaxUnansweredIds) unanswered_ids_.pop_front();
      }
      p->frame.writer.gather([&](protocol::Bytes piece) { buffers.emplace_back(piece.data(), piece.size()); });
      bytes += p->frame.writer.size();
      batch.push_back(std::move(p));
    }

    auto ec = co_await transport_->write_all(buffers);
    if (state_ == State::closed) break;  // close() already finished the batch
    if (ec) {
      log(LogLevel::warning, "write failed: " + ec.message());
      close(net_errc::connection_closed);
      break;
    }
    last_activity_ = Clock::now();
    for (auto& p : batch) {
      counters_->add_sent(p->frame.writer.size());
      if (p->phase == PendingRequest::Phase::writing) p->phase = PendingRequest::Phase::written;
      if (!p->expect_response) finish(*p, {});
    }
  }
  batch.clear();
}

asio::awaitable<void> BrokerConnection::read_loop(std::shared_ptr<BrokerConnection> keep_alive) {
  (void)keep_alive;
  std::array<std::uint8_t, 4> prefix{};
  while (state_ != State::closed) {
    if (auto ec = co_await transport_->read_exact(asio::buffer(prefix))) {
      if (state_ != State::closed) log(LogLevel::debug, "read failed: " + ec.message());
      close(net_errc::connection_closed);
      break;
    }
    const std::uint32_t size = read_be32(prefix.data());
    if (size > config_->max_response_bytes) {
      log(LogLevel::error, "response of " + std::to_string(size) + " bytes is above the limit of " +
                               std::to_string(config_->max_response_bytes));
      close(net_errc::response_too_large);
      break;
    }
    if (size < 4) {
      log(LogLevel::error, "response frame of " + std::to_string(size) + " bytes cannot hold a header");
      close(net_errc::malformed_frame);
      break;
    }
    auto frame = std::make_shared<std::vector<std::uint8_t>>(size);
    if (auto ec = co_await transport_->read_exact(asio::buffer(*frame))) {
      if (state_ != State::closed) log(LogLevel::debug, "read failed mid-frame: " + ec.message());
      close(net_errc::connection_closed);
      break;
    }
    counters_->add_received(size + 4);
    last_activity_ = Clock::now();
    deliver(std::move(frame));
  }
}

void BrokerConnection::deliver(FramePtr frame) {
  const auto correlation_id = static_cast<std::int32_t>(read_be32(frame->data()));
  if (!in_flight_.empty() && in_flight_.front()->frame.correlation_id == correlation_id) {
    auto p = std::move(in_flight_.front());
    in_flight_.pop_front();
    if (p->abandoned) return;
    const bool flexible_header = p->frame.flexible && p->frame.api_key != kApiVersionsKey;
    p->body_offset = response_body_offset(*frame, flexible_header);
    if (p->body_offset == 0) {
      finish(*p, net_errc::malformed_frame);
      return;
    }
    counters_->add_response(Clock::now() - p->write_started);
    p->response = std::move(frame);
    finish(*p, {});
    return;
  }
  auto unanswered = std::find(unanswered_ids_.begin(), unanswered_ids_.end(), correlation_id);
  if (unanswered != unanswered_ids_.end()) {
    // An answer to a request that needs none (acks=0 Produce on librdkafka's mock).
    unanswered_ids_.erase(unanswered_ids_.begin(), unanswered + 1);
    return;
  }
  log(LogLevel::error, "response with correlation id " + std::to_string(correlation_id) + " matches no request" +
                           (in_flight_.empty() ? std::string(" (none in flight)")
                                               : " (expected " + std::to_string(in_flight_.front()->frame.correlation_id) + ")"));
  close(net_errc::unexpected_correlation_id);
}

std::size_t BrokerConnection::response_body_offset(const std::vector<std::uint8_t>& frame, bool flexible_header) {
  protocol::Reader r(frame);
  r.i32();  // correlation id
  if (flexible_header) {
    std::uint32_t tags = r.uvarint();
    for (std::uint32_t i = 0; i < tags && r.ok(); ++i) {
      r.uvarint();
      r.skip(r.uvarint());
    }
  }
  return r.ok() ? r.position() : 0;
}

}  // namespace kwire::net
