// One connection to one broker: resolve and connect, optional TLS, ApiVersions
// negotiation, optional authentication hook, then size-prefixed request and
// response frames with many requests in flight, matched in order by
// correlation id. Per-request timeouts and cancellation; responses above the
// configured size are refused. Produce payloads are written by reference
// (gather writes), never copied into a second buffer.
//
// Order and outcomes (what callers, such as an idempotent producer, may rely
// on): requests on a connection are written in the order send_frame() was
// called, each once, and answers are matched in that order. A request's
// deadline (request.timeout.ms or SendOptions::timeout) starts when its write
// starts, never while it waits in the queue, so request_timed_out always means
// "written, outcome unknown". A request that times out or is cancelled while
// it is being written closes the connection: it and every written request
// fail as possibly written (request_timed_out, cancelled_in_flight,
// connection_closed), every request still queued fails with connection_closed
// unwritten. A request cancelled while still queued fails with `cancelled`
// and every request queued behind it with `request_withdrawn` (retriable),
// none of them written, so nothing is ever written past a request that was
// not; requests already written go on. A request cancelled after its write
// fails with `cancelled_in_flight` and its late answer is dropped. A closed
// connection fails queued requests with connection_closed before writing
// them. SendOptions::written tells exactly whether a request was written,
// whatever the error. The pool adds: callers waiting for a broker's
// (re)connection get it in call order, so their requests are written in call
// order too.
//
// Thread: every member must be called on the io_context thread that runs the
// connection's executor (the client's network thread). Nothing here locks.
// Lifetime: created with create() (shared_ptr); the reader and writer
// coroutines keep it alive until it is closed.
#pragma once

// A standard header before Asio's: Asio picks its aligned allocator from
// libstdc++'s configuration macros, and every translation unit must agree.
#include <cstddef>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <utility>

#include "kwire/net/api_versions.hpp"
#include "kwire/net/config.hpp"
#include "kwire/net/counters.hpp"
#include "kwire/net/errors.hpp"
#include "kwire/net/response.hpp"
#include "kwire/net/transport.hpp"
#include "kwire/protocol/wire/reader.hpp"
#include "kwire/protocol/wire/writer.hpp"

namespace kwire::net {

// A request encoded and ready to go: length prefix, header, body.
struct OutgoingFrame {
  protocol::Writer writer;
  std::int32_t correlation_id = 0;
  std::int16_t api_key = 0;
  std::int16_t api_version = 0;
  bool flexible = false;  // request header v2 / response header v1
};

class BrokerConnection : public std::enable_shared_from_this<BrokerConnection> {
 public:
  enum class State { idle, connecting, negotiating, authenticating, ready, closed };
  // Called once when the connection closes (on the io_context thread);
  // was_ready tells a lost working connection from a failed set-up.
  using CloseHandler = std::function<void(std::error_code reason, bool was_ready)>;

  static std::shared_ptr<BrokerConnection> create(asio::any_io_executor executor,
                                                  std::shared_ptr<const NetConfig> config,
                                                  std::shared_ptr<NetCounters> counters, std::int32_t broker_id,
                                                  std::string host, std::uint16_t port);
  ~BrokerConnection();
  BrokerConnection(const BrokerConnection&) = delete;
  BrokerConnection& operator=(const BrokerConnection&) = delete;

  // Connects (every address of the name in turn), runs TLS if configured,
  // negotiates versions with ApiVersions (v3, then the KIP-511 fallback), then
  // the authentication hook. Bounded by connection_setup_timeout. Call once.
  asio::awaitable<std::error_code> open();

  // Sends `request` at the highest version both sides support (capped by
  // options.max_version) and decodes the answer as Resp.
  template <typename Resp, typename Req>
  asio::awaitable<Result<Resp>> send(const Req& request, SendOptions options = {});

  // For requests the broker does not answer (Produce with acks=0): completes
  // once the frame is written. If the peer answers anyway (librdkafka's mock
  // does) the answer is read and discarded.
  template <typename Req>
  asio::awaitable<std::error_code> send_no_response(const Req& request, SendOptions options = {});

  // The lower level the templates use (and the SASL hook may use): start a
  // frame (length prefix + request header), let the caller append the body,
  // then send it. The writer may reference caller memory (append_ref); it
  // must stay alive until send_frame completes.
  OutgoingFrame begin_request(std::int16_t api_key, std::int16_t version, bool flexible);
  asio::awaitable<std::pair<std::error_code, RawResponse>> send_frame(OutgoingFrame frame, bool expect_response,
                                                                      SendOptions options = {});

  // The version to use for an API; see ApiVersionTable::pick.
  std::error_code select_version(std::int16_t api_key, std::int16_t our_min, std::int16_t our_max,
                                 std::optional<std::int16_t> cap, std::int16_t& version) const noexcept {
    return api_versions_.pick(api_key, our_min, our_max, cap, version);
  }

  // Fails everything in flight with `reason` and closes the socket.
  void close(std::error_code reason = net_errc::connection_closed);
  void set_close_handler(CloseHandler handler) { close_handler_ = std::move(handler); }

  State state() const noexcept { return state_; }
  bool ready() const noexcept { return state_ == State::ready; }
  bool closed() const noexcept { return state_ == State::closed; }
  std::error_code close_reason() const noexcept { return close_reason_; }
  // Requests written or queued whose response has not arrived.
  std::size_t in_flight() const noexcept { return in_flight_.size() + outbound_.size(); }
  std::chrono::steady_clock::time_point last_activity() const noexcept { return last_activity_; }
  std::int32_t broker_id() const noexcept { return broker_id_; }
  const std::string& host() const noexcept { return host_; }
  std::uint16_t port() const noexcept { return port_; }
  const ApiVersionTable& api_versions() const noexcept { return api_versions_; }
  // The ApiVersions version the broker finally accepted (3, or lower after the fallback).
  std::int16_t api_versions_version() const noexcept { return api_versions_version_; }
  // A sentence explaining the last set-up failure (TLS details, for instance).
  const std::string& failure_detail() const noexcept { return failure_detail_; }
  asio::any_io_executor executor() const noexcept { return executor_; }

  struct PendingRequest;  // defined in broker_connection_io.cpp

 private:
  BrokerConnection(asio::any_io_executor executor, std::shared_ptr<const NetConfig> config,
                   std::shared_ptr<NetCounters> counters, std::int32_t broker_id, std::string host,
                   std::uint16_t port);

  asio::awaitable<std::error_code> negotiate_versions();
  asio::awaitable<void> read_loop(std::shared_ptr<BrokerConnection> self);
  asio::awaitable<void> write_loop(std::shared_ptr<BrokerConnection> self);
  void deliver(FramePtr frame);
  void finish(PendingRequest& request, std::error_code ec);
  void withdraw(const std::shared_ptr<PendingRequest>& request);
  std::error_code fail_setup(std::error_code ec);
  void log(LogLevel level, const std::string& message) const;

  asio::any_io_executor executor_;
  std::shared_ptr<const NetConfig> config_;
  std::shared_ptr<NetCounters> counters_;
  std::int32_t broker_id_;
  std::string host_;
  std::uint16_t port_;
  std::unique_ptr<Transport> transport_;
  asio::steady_timer writer_wake_;
  asio::steady_timer setup_deadline_;
  State state_ = State::idle;
  bool setup_timed_out_ = false;
  std::error_code close_reason_;
  std::string failure_detail_;
  std::int32_t next_correlation_id_ = 1;
  std::deque<std::shared_ptr<PendingRequest>> outbound_;   // queued, not yet written
  std::deque<std::shared_ptr<PendingRequest>> in_flight_;  // written, response awaited, in send order
  std::deque<std::int32_t> unanswered_ids_;                // written without expecting an answer
  std::chrono::steady_clock::time_point last_activity_;
  ApiVersionTable api_versions_;
  std::int16_t api_versions_version_ = -1;
  CloseHandler close_handler_;
};

// Finishes a frame started with begin_request: patches the length prefix.
std::error_code finish_request(OutgoingFrame& frame);

// The lowest version a request may go out at: its own, raised by the caller's.
template <typename Req>
std::int16_t lowest_version(const SendOptions& options) noexcept {
  return std::max(Req::min_version, options.min_version.value_or(Req::min_version));
}

template <typename Resp, typename Req>
asio::awaitable<Result<Resp>> BrokerConnection::send(const Req& request, SendOptions options) {
  Result<Resp> result;
  std::int16_t version = 0;
  if ((result.error =
           select_version(Req::api_key, lowest_version<Req>(options), Req::max_version, options.max_version, version)))
    co_return result;
  if ((result.error = request.validate(version))) co_return result;
  const bool flexible = Req::first_flexible_version >= 0 && version >= Req::first_flexible_version;
  OutgoingFrame frame = begin_request(Req::api_key, version, flexible);
  request.encode(frame.writer, version);
  if ((result.error = finish_request(frame))) co_return result;
  auto [ec, raw] = co_await send_frame(std::move(frame), true, options);
  if ((result.error = ec)) co_return result;
  protocol::Reader reader(protocol::Bytes(*raw.frame).subspan(raw.body_offset));
  if (auto decode_error = result.response.body.decode(reader, version)) {
    result.error = decode_error;
    co_return result;
  }
  result.response.frame = std::move(raw.frame);
  result.response.version = version;
  co_return result;
}

template <typename Req>
asio::awaitable<std::error_code> BrokerConnection::send_no_response(const Req& request, SendOptions options) {
  std::int16_t version = 0;
  if (auto ec =
          select_version(Req::api_key, lowest_version<Req>(options), Req::max_version, options.max_version, version))
    co_return ec;
  if (auto ec = request.validate(version)) co_return ec;
  const bool flexible = Req::first_flexible_version >= 0 && version >= Req::first_flexible_version;
  OutgoingFrame frame = begin_request(Req::api_key, version, flexible);
  request.encode(frame.writer, version);
  if (auto ec = finish_request(frame)) co_return ec;
  auto [ec, raw] = co_await send_frame(std::move(frame), false, options);
  co_return ec;
}

}  // namespace kwire::net
