// BrokerConnection set-up and teardown: connect, TLS, ApiVersions
// negotiation (with the KIP-511 fallback), authentication hook, close.
// Io_context thread only.
#include "kwire/net/broker_connection.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>

#include <limits>

#include "kwire/net/api_versions_step.hpp"

namespace kwire::net {

namespace {
constexpr std::string_view kSoftwareName = "kwire";
constexpr std::string_view kSoftwareVersion = "0.1.0";
// Every non-empty bytes/records payload is spliced into the write by
// reference: a produce payload is never copied into a second buffer.
constexpr std::size_t kZeroCopyThreshold = 1;
}  // namespace

std::shared_ptr<BrokerConnection> BrokerConnection::create(asio::any_io_executor executor,
                                                           std::shared_ptr<const NetConfig> config,
                                                           std::shared_ptr<NetCounters> counters,
                                                           std::int32_t broker_id, std::string host,
                                                           std::uint16_t port) {
  return std::shared_ptr<BrokerConnection>(new BrokerConnection(std::move(executor), std::move(config),
                                                                std::move(counters), broker_id, std::move(host), port));
}

BrokerConnection::BrokerConnection(asio::any_io_executor executor, std::shared_ptr<const NetConfig> config,
                                   std::shared_ptr<NetCounters> counters, std::int32_t broker_id, std::string host,
                                   std::uint16_t port)
    : executor_(executor),
      config_(std::move(config)),
      counters_(counters ? std::move(counters) : std::make_shared<NetCounters>()),
      broker_id_(broker_id),
      host_(std::move(host)),
      port_(port),
      transport_(std::make_unique<Transport>(executor)),
      writer_wake_(executor, std::chrono::steady_clock::time_point::max()),
      setup_deadline_(executor),
      last_activity_(std::chrono::steady_clock::now()) {}

BrokerConnection::~BrokerConnection() = default;

OutgoingFrame BrokerConnection::begin_request(std::int16_t api_key, std::int16_t version, bool flexible) {
  OutgoingFrame frame;
  frame.correlation_id = next_correlation_id_++;
  if (next_correlation_id_ == std::numeric_limits<std::int32_t>::max()) next_correlation_id_ = 1;
  frame.api_key = api_key;
  frame.api_version = version;
  frame.flexible = flexible;
  auto& w = frame.writer;
  w.set_ref_threshold(kZeroCopyThreshold);
  w.reserve_i32();  // length prefix, patched by finish_request
  w.i16(api_key);
  w.i16(version);
  w.i32(frame.correlation_id);
  w.nullable_string(std::optional<std::string_view>(config_->client_id));  // not compact even in header v2
  if (flexible) w.uvarint(0);  // header tagged fields
  return frame;
}

std::error_code finish_request(OutgoingFrame& frame) {
  std::size_t body = frame.writer.size() - 4;
  if (body > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) return net_errc::request_too_large;
  frame.writer.patch_i32(0, static_cast<std::int32_t>(body));
  return {};
}

asio::awaitable<std::error_code> BrokerConnection::open() {
  auto self = shared_from_this();
  if (state_ != State::idle) co_return make_error_code(net_errc::not_connected);
  state_ = State::connecting;
  // One deadline covers the whole set-up; when it fires the socket is closed,
  // which fails whatever step is running.
  setup_deadline_.expires_after(config_->connection_setup_timeout);
  setup_deadline_.async_wait([weak = weak_from_this()](std::error_code ec) {
    auto conn = weak.lock();
    if (ec || !conn || conn->state_ == State::ready || conn->state_ == State::closed) return;
    conn->setup_timed_out_ = true;
    conn->transport_->close();
  });

  if (auto ec = co_await transport_->connect(host_, port_, {config_->send_buffer_bytes, config_->receive_buffer_bytes}))
    co_return fail_setup(ec);

  const auto& security = config_->security;
  if (uses_tls(security.protocol)) {
    if (!security.tls_context) co_return fail_setup(net_errc::tls_not_configured);
    if (auto ec = co_await transport_->start_tls(*security.tls_context, host_, security.tls)) {
      failure_detail_ = transport_->tls_failure_detail();
      co_return fail_setup(ec);
    }
  }

  asio::co_spawn(executor_, read_loop(self), asio::detached);
  asio::co_spawn(executor_, write_loop(self), asio::detached);

  state_ = State::negotiating;
  if (auto ec = co_await negotiate_versions()) co_return fail_setup(ec);

  if (uses_sasl(security.protocol)) {
    if (!security.authenticate) co_return fail_setup(net_errc::auth_not_configured);
    state_ = State::authenticating;
    if (auto ec = co_await security.authenticate(*this)) co_return fail_setup(ec);
  }
  if (state_ == State::closed) co_return fail_setup(close_reason_);

  setup_deadline_.cancel();
  state_ = State::ready;
  last_activity_ = std::chrono::steady_clock::now();
  log(LogLevel::info, "connected (ApiVersions v" + std::to_string(api_versions_version_) + ", " +
                          std::to_string(api_versions_.size()) + " APIs)");
  co_return std::error_code{};
}

std::error_code BrokerConnection::fail_setup(std::error_code ec) {
  if (setup_timed_out_) ec = net_errc::connect_timed_out;
  setup_deadline_.cancel();
  if (failure_detail_.empty()) failure_detail_ = ec.message();
  log(LogLevel::warning, "connection set-up failed: " + failure_detail_);
  close(ec);
  return ec;
}

asio::awaitable<std::error_code> BrokerConnection::negotiate_versions() {
  std::int16_t version = kApiVersionsMaxVersion;
  for (int attempt = 0; attempt < 3; ++attempt) {
    OutgoingFrame frame = begin_request(kApiVersionsKey, version, version >= 3);
    encode_api_versions_body(frame.writer, version, kSoftwareName, kSoftwareVersion);
    finish_request(frame);
    auto [ec, raw] = co_await send_frame(std::move(frame), true);
    if (ec) co_return ec;
    auto reply = decode_api_versions_body(protocol::Bytes(*raw.frame).subspan(raw.body_offset), version);
    const auto step = next_api_versions_step(reply, version);
    if (step.kind == ApiVersionsStep::Kind::retry) {
      log(LogLevel::debug, "ApiVersions v" + std::to_string(version) + " not supported, retrying with v" +
                               std::to_string(step.retry_version));
      version = step.retry_version;
      continue;
    }
    if (step.kind == ApiVersionsStep::Kind::fail) {
      failure_detail_ = "ApiVersions v" + std::to_string(version) + " failed (error code " +
                        std::to_string(reply.error_code) +
                        (reply.decode_error ? ", " + reply.decode_error.message() : std::string()) + ")";
      co_return make_error_code(net_errc::api_versions_failed);
    }
    api_versions_ = std::move(reply.table);
    api_versions_.allow_unstable(config_->allow_unstable_versions);
    api_versions_version_ = version;
    co_return std::error_code{};
  }
  failure_detail_ = "ApiVersions: no version accepted by the broker";
  co_return make_error_code(net_errc::no_common_version);
}

void BrokerConnection::close(std::error_code reason) {
  if (state_ == State::closed) return;
  const bool was_ready = state_ == State::ready;
  state_ = State::closed;
  close_reason_ = reason ? reason : make_error_code(net_errc::connection_closed);
  transport_->close();
  writer_wake_.cancel();
  setup_deadline_.cancel();
  auto queued = std::move(outbound_);
  auto waiting = std::move(in_flight_);
  outbound_.clear();
  in_flight_.clear();
  unanswered_ids_.clear();
  // The reason (a timeout, a bad frame) concerns the written requests; the
  // queued ones were simply never sent.
  const std::error_code unsent = reason == net_errc::shutting_down ? close_reason_ : net_errc::connection_closed;
  for (auto& p : queued) finish(*p, unsent);
  for (auto& p : waiting) finish(*p, close_reason_);
  if (was_ready) {
    counters_->add_disconnect();
    log(reason == net_errc::idle_timeout ? LogLevel::debug : LogLevel::warning,
        "connection closed: " + close_reason_.message());
  }
  if (auto handler = std::move(close_handler_)) handler(close_reason_, was_ready);
}

void BrokerConnection::log(LogLevel level, const std::string& message) const {
  if (!config_->log.enabled(level)) return;
  config_->log(level, "broker " + std::to_string(broker_id_) + " (" + host_ + ":" + std::to_string(port_) +
                          "): " + message);
}

}  // namespace kwire::net
