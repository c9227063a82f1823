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

#include "kwire/net/frame_reader.hpp"

namespace kwire::net {

namespace {
using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxFramesPerWrite = 64;
constexpr std::size_t kMaxBytesPerWrite = 4 * 1024 * 1024;
// Ids of requests sent without expecting an answer, kept to recognise (and
// drop) an answer that comes anyway; bounded so a silent broker costs nothing.
constexpr std::size_t kMaxUnansweredIds = 1024;

Clock::duration to_clock_duration(std::chrono::milliseconds ms) noexcept {
  constexpr auto longest = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::duration::max());
  return ms >= longest ? Clock::duration::max() : std::chrono::duration_cast<Clock::duration>(ms);
}

// now + timeout, saturated (a timeout of "for ever" must not wrap around).
Clock::time_point deadline_after(Clock::time_point now, Clock::duration timeout) noexcept {
  if (timeout <= Clock::duration::zero()) return now;
  return timeout >= Clock::time_point::max() - now ? Clock::time_point::max() : now + timeout;
}

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
  Clock::duration timeout{};
  bool* written = nullptr;  // SendOptions::written
  std::size_t response_bytes = 0;  // SendOptions::response_bytes
  Clock::time_point write_started;
  // Wakes the caller. No deadline while queued: the writer sets it (now +
  // timeout) when the write begins, which also wakes the caller once.
  asio::steady_timer wake;
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
  p->timeout = to_clock_duration(options.timeout.value_or(config_->request_timeout));
  p->written = options.written;
  p->response_bytes = options.response_bytes;
  if (p->written) *p->written = false;
  outbound_.push_back(p);
  writer_wake_.cancel();

  while (!p->finished) {
    std::error_code ec;
    co_await p->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (p->finished) break;
    auto cancellation = co_await asio::this_coro::cancellation_state;
    const bool cancelled = cancellation.cancelled() != asio::cancellation_type::none;
    // Not ours (the writer set the deadline, or a spurious wake): keep waiting.
    if (!cancelled && (ec == asio::error::operation_aborted || p->phase == PendingRequest::Phase::queued)) continue;
    switch (p->phase) {
      case PendingRequest::Phase::queued:
        withdraw(p);
        break;
      case PendingRequest::Phase::writing: {
        // Half a frame may be on the wire: the stream cannot be resynchronised.
        const std::error_code reason = cancelled ? net_errc::cancelled_in_flight : net_errc::request_timed_out;
        finish(*p, reason);
        close(reason);
        break;
      }
      case PendingRequest::Phase::written:
        p->abandoned = true;  // stays in in_flight_ so the late answer is matched and dropped
        finish(*p, cancelled ? net_errc::cancelled_in_flight : net_errc::request_timed_out);
        break;
    }
  }
  if (p->error) counters_->add_error(p->error == net_errc::request_timed_out);
  co_await asio::this_coro::throw_if_cancelled(caller_throws_if_cancelled);
  co_return std::pair{p->error, RawResponse{std::move(p->response), p->body_offset}};
}

void BrokerConnection::withdraw(const std::shared_ptr<PendingRequest>& request) {
  // Writing the requests behind it would put them on the wire ahead of it
  // (an idempotent producer's later batch before an earlier one): they are
  // taken back too, unwritten, and their callers may send them again in order.
  auto at = std::find(outbound_.begin(), outbound_.end(), request);
  std::vector<std::shared_ptr<PendingRequest>> behind(at + 1, outbound_.end());
  outbound_.erase(at, outbound_.end());
  finish(*request, net_errc::cancelled);
  for (auto& p : behind) finish(*p, net_errc::request_withdrawn);
  if (!behind.empty())
    log(LogLevel::debug, "request " + std::to_string(request->frame.correlation_id) + " cancelled while queued: " +
                             std::to_string(behind.size()) + " queued behind it withdrawn");
}

void BrokerConnection::finish(PendingRequest& request, std::error_code ec) {
  if (request.finished) return;
  request.finished = true;
  request.written = nullptr;  // the caller's flag may be gone once it has its answer
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
      p->wake.expires_at(deadline_after(now, p->timeout));  // the deadline starts with the write
      if (p->written) *p->written = true;
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
  ResponseFrameReader frames(config_->max_response_bytes);
  while (state_ != State::closed) {
    // Answers come in request order: the oldest request in flight says how
    // large the next frame may be (used once its length prefix is in).
    frames.expect_at_most(in_flight_.empty() ? 0 : in_flight_.front()->response_bytes);
    const auto buffer = frames.next_buffer();
    if (auto ec = co_await transport_->read_exact(asio::buffer(buffer.data(), buffer.size()))) {
      if (state_ != State::closed) log(LogLevel::debug, "read failed: " + ec.message());
      close(net_errc::connection_closed);
      break;
    }
    switch (frames.commit(buffer.size())) {
      case ResponseFrameReader::Status::need_more:
        continue;
      case ResponseFrameReader::Status::too_large:
        log(LogLevel::error, "response of " + std::to_string(frames.announced_size()) +
                                 " bytes is above the limit of " + std::to_string(config_->max_response_bytes));
        close(net_errc::response_too_large);
        co_return;
      case ResponseFrameReader::Status::too_small:
        log(LogLevel::error, "response frame of " + std::to_string(frames.announced_size()) +
                                 " bytes cannot hold a header");
        close(net_errc::malformed_frame);
        co_return;
      case ResponseFrameReader::Status::frame_ready:
        break;
    }
    counters_->add_received(frames.announced_size() + std::size_t{4});
    last_activity_ = Clock::now();
    deliver(frames.take_frame());
    // A peer with Nagle's algorithm on (librdkafka's mock cluster; Kafka
    // brokers set TCP_NODELAY) holds a small answer back until its previous
    // one is acknowledged, and Linux delays our ACK by 40 ms or more while we
    // have nothing to send. With answers still awaited that stalls the
    // connection: on the mock, pipelined start-up requests made a producer's
    // first delivery report 45-50 ms late, and a run's last answers waited the
    // same (issue 15). So while answers are awaited the read is acknowledged
    // at once: one setsockopt per answer, and a packet only when an ACK was
    // pending anyway.
    if (!in_flight_.empty() && state_ != State::closed) transport_->acknowledge_now();
  }
}

void BrokerConnection::deliver(FramePtr frame) {
  const auto correlation_id = static_cast<std::int32_t>(read_be32(frame->data()));
  if (!in_flight_.empty() && in_flight_.front()->frame.correlation_id == correlation_id) {
    auto p = std::move(in_flight_.front());
    in_flight_.pop_front();
    if (p->abandoned) return;
    const bool flexible_header = p->frame.flexible && p->frame.api_key != kApiVersionsKey;
    auto header = parse_response_header(*frame, flexible_header);
    if (!header) {
      finish(*p, net_errc::malformed_frame);
      return;
    }
    p->body_offset = header->body_offset;
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

}  // namespace kwire::net
