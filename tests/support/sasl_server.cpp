// SaslServer: the server side of Kafka's SASL exchange (KIP-152 framing:
// SaslHandshake v1 then SaslAuthenticate), encoded by hand with the wire
// primitives; the mechanisms are sasl_mechanism_servers.hpp's. One coroutine
// per client on the server's thread.
#include "sasl_server.hpp"

#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/detached.hpp>

#include <chrono>
#include <map>
#include <optional>

#include "kwire/protocol/wire/reader.hpp"
#include "kwire/protocol/wire/writer.hpp"
#include "metadata_relay.hpp"
#include "sasl_mechanism_servers.hpp"
#include "server_thread.hpp"

namespace kwire::test {
namespace {

using asio::ip::tcp;
using frames::Frame;
using protocol::Reader;
using protocol::Writer;

constexpr std::int16_t kSaslHandshake = 17, kApiVersions = 18, kSaslAuthenticate = 36;
constexpr std::int16_t kUnsupportedSaslMechanism = 33, kIllegalSaslState = 34, kUnsupportedVersion = 35,
                       kSaslAuthenticationFailed = 58;

struct RequestHeader {
  std::int16_t key = 0, version = 0;
  std::int32_t correlation = 0;
  bool flexible = false;
};

bool parse_header(Reader& r, RequestHeader& h) {
  h.key = r.i16();
  h.version = r.i16();
  h.correlation = r.i32();
  r.nullable_string();  // client id
  h.flexible = (h.key == kApiVersions && h.version >= 3) || (h.key == kSaslAuthenticate && h.version >= 2);
  if (h.flexible) r.skip_tagged_fields();
  return r.ok();
}

Writer response_start(std::int32_t correlation, bool flexible_header) {
  Writer w;
  w.i32(correlation);
  if (flexible_header) w.uvarint(0);
  return w;
}

using sasl_server::make_mechanism_server;
using sasl_server::MechanismServer;
using sasl_server::Outcome;

}  // namespace

std::vector<std::string> SaslServer::oauth_tokens() const {
  std::lock_guard lock(stats_->oauth_mu);
  return stats_->oauth_tokens;
}
std::string SaslServer::oauth_last_principal() const {
  std::lock_guard lock(stats_->oauth_mu);
  return stats_->oauth_principal;
}
std::map<std::string, std::string> SaslServer::oauth_last_extensions() const {
  std::lock_guard lock(stats_->oauth_mu);
  return stats_->oauth_extensions;
}

struct SaslServer::Impl {
  Impl(SaslServerOptions opts, std::shared_ptr<Stats> st) : options(std::move(opts)), stats(std::move(st)) {}

  struct Session {
    explicit Session(asio::io_context& io, tcp::socket s) : client(std::move(s)), upstream(io) {}
    tcp::socket client;
    tcp::socket upstream;
    std::unique_ptr<MechanismServer> mechanism;
    MetadataAnswers metadata;  // while relaying
    void close() {
      std::error_code ignored;
      client.close(ignored);
      upstream.close(ignored);
    }
  };

  asio::awaitable<void> serve(std::shared_ptr<Session> session) {
    std::error_code ec;
    if (!options.upstream_host.empty()) {
      tcp::resolver resolver(io);
      auto eps = co_await resolver.async_resolve(options.upstream_host, std::to_string(options.upstream_port),
                                                 asio::redirect_error(asio::use_awaitable, ec));
      if (!ec) co_await asio::async_connect(session->upstream, eps, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return session->close();
    }
    Frame frame;
    while (co_await frames::read(session->client, frame)) {
      Reader r(frame);
      RequestHeader h;
      if (!parse_header(r, h)) break;
      Frame reply;
      bool keep_open = true, authenticated = false;
      if (h.key == kSaslHandshake) ++stats->handshakes;
      const bool sasl = h.key == kSaslHandshake || h.key == kSaslAuthenticate;
      if (h.key == kApiVersions) {
        if (!co_await api_versions(*session, h, frame, reply)) break;
      } else if (sasl && !advertised(h)) {
        // Kafka answers a version it did not advertise with UNSUPPORTED_VERSION.
        reply = unsupported_version(h);
        keep_open = false;
      } else if (h.key == kSaslHandshake) {
        reply = handshake(*session, h, r);
      } else if (h.key == kSaslAuthenticate) {
        reply = authenticate(*session, h, r, keep_open, authenticated);
      } else {
        ++stats->unauthenticated;  // Kafka drops unauthenticated clients
        break;
      }
      if (!co_await frames::write(session->client, reply) || !keep_open) break;
      if (authenticated && session->upstream.is_open()) co_return co_await relay(session);
    }
    session->close();
  }

  asio::awaitable<bool> api_versions(Session& s, const RequestHeader& h, const Frame& request, Frame& reply) {
    if (!s.upstream.is_open()) {
      Writer w = response_start(h.correlation, false);  // ApiVersions answers use header v0
      bool supported = h.version <= 2;
      w.i16(supported ? 0 : kUnsupportedVersion);
      const auto& hs = options.handshake_versions;
      const auto& au = options.authenticate_versions;
      const std::int16_t table[][3] = {{kApiVersions, 0, 2}, {kSaslHandshake, hs.min, hs.max},
                                       {kSaslAuthenticate, au.min, au.max}};
      w.array_length(3);
      for (const auto& e : table) w.i16(e[0]), w.i16(e[1]), w.i16(e[2]);
      if (supported && h.version >= 1) w.i32(0);
      reply = w.release();
      co_return true;
    }
    if (!co_await frames::write(s.upstream, request) || !co_await frames::read(s.upstream, reply)) co_return false;
    if (h.version <= 2) add_sasl_apis(reply);
    else add_sasl_apis_flexible(reply);
    co_return true;
  }

  // The same for a v3+ answer (compact array, tagged fields per entry). An
  // error answer is v0-shaped (KIP-511) and left alone: the client asks again.
  void add_sasl_apis_flexible(Frame& reply) const {
    Reader r(reply);
    r.i32();
    std::int16_t error = r.i16();
    std::uint32_t count_plus_one = r.uvarint();
    if (!r.ok() || error != 0 || count_plus_one == 0) return;
    const std::size_t entries_start = r.position();
    for (std::uint32_t i = 0; i + 1 < count_plus_one && r.ok(); ++i) {
      r.i16(), r.i16(), r.i16();
      r.skip_tagged_fields();
    }
    if (!r.ok()) return;
    const std::size_t entries_end = r.position();
    Writer w;
    w.raw(protocol::Bytes(reply).first(6));
    w.uvarint(count_plus_one + 2);
    w.raw(protocol::Bytes(reply).subspan(entries_start, entries_end - entries_start));
    w.i16(kSaslHandshake), w.i16(options.handshake_versions.min), w.i16(options.handshake_versions.max), w.uvarint(0);
    w.i16(kSaslAuthenticate), w.i16(options.authenticate_versions.min), w.i16(options.authenticate_versions.max),
        w.uvarint(0);
    w.raw(protocol::Bytes(reply).subspan(entries_end));
    reply = w.release();
  }

  // Adds the SASL APIs to an upstream's v0-2 ApiVersions answer.
  void add_sasl_apis(Frame& reply) const {
    Reader r(reply);
    r.i32();
    std::int16_t error = r.i16();
    std::int32_t count = r.i32();
    if (!r.ok() || error != 0 || count < 0 || r.remaining() < static_cast<std::size_t>(count) * 6) return;
    std::size_t entries_end = r.position() + static_cast<std::size_t>(count) * 6;
    Writer w;
    w.raw(protocol::Bytes(reply).first(6));
    w.i32(count + 2);
    w.raw(protocol::Bytes(reply).subspan(10, entries_end - 10));
    w.i16(kSaslHandshake), w.i16(options.handshake_versions.min), w.i16(options.handshake_versions.max);
    w.i16(kSaslAuthenticate), w.i16(options.authenticate_versions.min), w.i16(options.authenticate_versions.max);
    w.raw(protocol::Bytes(reply).subspan(entries_end));
    reply = w.release();
  }

  bool advertised(const RequestHeader& h) const {
    const auto& range = h.key == kSaslHandshake ? options.handshake_versions : options.authenticate_versions;
    return h.version >= range.min && h.version <= range.max;
  }

  // The error code alone: a client that sent a version it was not offered
  // gets no more from Kafka either.
  static Frame unsupported_version(const RequestHeader& h) {
    Writer w = response_start(h.correlation, h.flexible);
    w.i16(kUnsupportedVersion);
    return w.release();
  }

  Frame handshake(Session& s, const RequestHeader& h, Reader& r) {
    std::string mechanism(r.string());
    // An unknown mechanism leaves the one an earlier handshake chose.
    if (auto server = make_mechanism_server(mechanism, options, *stats)) s.mechanism = std::move(server);
    Writer w = response_start(h.correlation, false);
    w.i16(s.mechanism ? 0 : kUnsupportedSaslMechanism);
    w.array_length(options.mechanisms.size());
    for (const auto& m : options.mechanisms) w.string(m);
    return w.release();
  }

  Frame authenticate(Session& s, const RequestHeader& h, Reader& r, bool& keep_open, bool& authenticated) {
    protocol::Bytes auth = h.flexible ? r.compact_bytes() : r.bytes();
    std::int16_t error = 0;
    std::optional<std::string> message;
    Outcome outcome;
    if (!s.mechanism || !r.ok()) {
      error = kIllegalSaslState;
      message = "SaslAuthenticate without a successful SaslHandshake";
    } else {
      outcome = s.mechanism->step(protocol::as_string(auth));
      if (!outcome.ok) {
        error = kSaslAuthenticationFailed;
        message = outcome.error_message.empty() ? "Authentication failed: invalid credentials" : outcome.error_message;
      }
    }
    keep_open = error == 0;
    authenticated = error == 0 && outcome.done;
    if (error) ++stats->failed;
    if (authenticated) ++stats->succeeded;
    Writer w = response_start(h.correlation, h.flexible);
    w.i16(error);
    if (h.flexible) {
      w.compact_nullable_string(message);
      w.compact_bytes(protocol::as_bytes(outcome.reply));
    } else {
      w.nullable_string(message);
      w.bytes(protocol::as_bytes(outcome.reply));
    }
    if (h.version >= 1) w.i64(0);  // session_lifetime_ms: no re-authentication
    if (h.flexible) w.uvarint(0);
    return w.release();
  }

  // After authentication: frames relayed both ways; Metadata answers name
  // this server instead of the upstream, so a client that follows them comes
  // back through SASL.
  asio::awaitable<void> relay(std::shared_ptr<Session> session) {
    asio::co_spawn(io, upstream_to_client(session), asio::detached);
    co_await relay_requests(session->client, session->upstream, session->metadata);
    session->close();
  }
  asio::awaitable<void> upstream_to_client(std::shared_ptr<Session> session) {
    using Address = std::optional<std::pair<std::string, std::int32_t>>;
    const AddressMap to_self = [this](const std::string&, std::int32_t port) -> Address {
      if (port != options.upstream_port) return std::nullopt;
      return std::pair{options.advertised_host, static_cast<std::int32_t>(server.port())};
    };
    co_await relay_answers(session->upstream, session->client, session->metadata, to_self, stats->metadata_rewrites);
    session->close();
  }

  SaslServerOptions options;
  std::shared_ptr<Stats> stats;
  ServerThread server;
  asio::io_context& io = server.io();
};

SaslServer::SaslServer(SaslServerOptions options)
    : stats_(std::make_shared<Stats>()), impl_(std::make_unique<Impl>(std::move(options), stats_)) {
  Impl* impl = impl_.get();
  impl->server.accept(0, [impl](tcp::socket s) {
    asio::co_spawn(impl->io, impl->serve(std::make_shared<Impl::Session>(impl->io, std::move(s))), asio::detached);
  });
  impl->server.start();
}

SaslServer::~SaslServer() { impl_->server.stop(); }

std::uint16_t SaslServer::port() const noexcept { return impl_->server.port(); }

}  // namespace kwire::test
