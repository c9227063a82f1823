// SaslServer: the server side of Kafka's SASL exchange (KIP-152 framing:
// SaslHandshake v1 then SaslAuthenticate) for PLAIN and SCRAM, encoded by hand
// with the wire primitives. One coroutine per client on the server's thread.
#include "sasl_server.hpp"

#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/detached.hpp>

#include <chrono>
#include <map>
#include <optional>

#include <openssl/rand.h>

#include "kwire/net/sasl/oauthbearer.hpp"
#include "kwire/net/sasl/scram_crypto.hpp"
#include "kwire/protocol/wire/reader.hpp"
#include "kwire/protocol/wire/writer.hpp"
#include "server_thread.hpp"
#include "tls_relay.hpp"  // rewrite_metadata_brokers

namespace kwire::test {
namespace {

using asio::ip::tcp;
using frames::Frame;
using protocol::Reader;
using protocol::Writer;

constexpr std::int16_t kMetadata = 3, kSaslHandshake = 17, kApiVersions = 18, kSaslAuthenticate = 36;
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

// ---- server side of the mechanisms ----

struct Outcome {
  bool ok = false;
  bool done = false;
  std::string reply;
  std::string error_message{};  // when !ok: the SaslAuthenticate error message (default: invalid credentials)
};

class MechanismServer {
 public:
  virtual ~MechanismServer() = default;
  virtual Outcome step(std::string_view client_message) = 0;
};

const SaslUser* find_user(const std::vector<SaslUser>& users, std::string_view name) {
  for (const auto& u : users)
    if (u.name == name) return &u;
  return nullptr;
}

class PlainServer final : public MechanismServer {
 public:
  explicit PlainServer(const std::vector<SaslUser>& users) : users_(users) {}
  Outcome step(std::string_view m) override {
    auto first = m.find('\0');
    auto second = first == std::string_view::npos ? first : m.find('\0', first + 1);
    if (second == std::string_view::npos) return {};
    const SaslUser* u = find_user(users_, m.substr(first + 1, second - first - 1));
    if (!u || u->password != m.substr(second + 1)) return {};
    return {true, true, ""};
  }

 private:
  const std::vector<SaslUser>& users_;
};

class ScramServer final : public MechanismServer {
 public:
  ScramServer(net::ScramHash hash, const SaslServerOptions& options) : hash_(hash), options_(options) {}
  Outcome step(std::string_view m) override { return state_++ == 0 ? on_client_first(m) : on_client_final(m); }

 private:
  static std::string unescape(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s.substr(i, 3) == "=3D") out += '=', i += 2;
      else if (s.substr(i, 3) == "=2C") out += ',', i += 2;
      else out += s[i];
    }
    return out;
  }
  Outcome on_client_first(std::string_view m) {
    if (m.substr(0, 3) != "n,," && m.substr(0, 3) != "y,,") return {};
    bare_ = std::string(m.substr(3));
    auto comma = bare_.find(",r=");
    if (bare_.substr(0, 2) != "n=" || comma == std::string::npos) return {};
    const SaslUser* user = find_user(options_.users, unescape(std::string_view(bare_).substr(2, comma - 2)));
    std::string client_nonce = bare_.substr(comma + 3);
    client_nonce = client_nonce.substr(0, client_nonce.find(','));
    if (!user || client_nonce.empty()) return {};
    net::ByteVector salt(16);
    RAND_bytes(salt.data(), static_cast<int>(salt.size()));
    keys_ = net::derive_scram_keys(hash_, user->password, salt, options_.scram_iterations);
    nonce_ = client_nonce + net::scram_nonce(18);
    server_first_ = "r=" + nonce_ + ",s=" + net::base64_encode(salt) + ",i=" + std::to_string(options_.scram_iterations);
    return {true, false, server_first_};
  }
  Outcome on_client_final(std::string_view m) {
    auto at = m.rfind(",p=");
    if (at == std::string_view::npos) return {};
    std::string_view without_proof = m.substr(0, at);
    if (without_proof != "c=biws,r=" + nonce_) return {};
    auto proof = net::base64_decode(m.substr(at + 3));
    if (!proof || proof->size() != keys_.stored_key.size()) return {};
    std::string auth = bare_ + "," + server_first_ + "," + std::string(without_proof);
    net::ByteVector client_key = net::scram_hmac(hash_, keys_.stored_key, protocol::as_bytes(auth));
    for (std::size_t i = 0; i < client_key.size(); ++i) client_key[i] ^= (*proof)[i];
    if (!net::equal_constant_time(net::scram_digest(hash_, client_key), keys_.stored_key)) return {};
    net::ByteVector signature = net::scram_hmac(hash_, keys_.server_key, protocol::as_bytes(auth));
    if (options_.forge_server_signature) signature[0] ^= 0x01;
    return {true, true, "v=" + net::base64_encode(signature)};
  }

  net::ScramHash hash_;
  const SaslServerOptions& options_;
  int state_ = 0;
  std::string bare_, nonce_, server_first_;
  net::ScramKeys keys_;
};

// ---- OAUTHBEARER ----

// The raw value of "key" in a flat JSON object: a string's contents (escapes
// left as they are), a number's or an array's text; nullopt when absent.
std::optional<std::string_view> oauth_json_field(std::string_view obj, std::string_view key) {
  const std::string quoted = "\"" + std::string(key) + "\"";
  std::size_t at = 0;
  while ((at = obj.find(quoted, at)) != std::string_view::npos) {
    std::size_t p = obj.find_first_not_of(" \t\r\n", at + quoted.size());
    if (p == std::string_view::npos || obj[p] != ':') {
      at += quoted.size();
      continue;
    }
    p = obj.find_first_not_of(" \t\r\n", p + 1);
    if (p == std::string_view::npos) return std::nullopt;
    if (obj[p] == '"') {
      std::size_t end = p + 1;
      while (end < obj.size() && obj[end] != '"') end += obj[end] == '\\' ? 2 : 1;
      if (end >= obj.size()) return std::nullopt;
      return obj.substr(p + 1, end - p - 1);
    }
    if (obj[p] == '[') {
      std::size_t end = obj.find(']', p);
      if (end == std::string_view::npos) return std::nullopt;
      return obj.substr(p, end - p + 1);
    }
    std::size_t end = obj.find_first_of(",} \t\r\n", p);
    return obj.substr(p, end == std::string_view::npos ? std::string_view::npos : end - p);
  }
  return std::nullopt;
}

class OAuthBearerServer final : public MechanismServer {
 public:
  OAuthBearerServer(const SaslServerOptions& options, SaslServer::Stats& stats) : options_(options), stats_(stats) {}
  Outcome step(std::string_view m) override {
    if (!error_.empty()) {
      // RFC 7628 3.2.3: after the error challenge only a single 0x01 is valid.
      if (m == "\x01") ++stats_.oauth_acks;
      return {false, false, "", error_};
    }
    auto header_end = m.find(',', m.find(',') == std::string_view::npos ? m.size() : m.find(',') + 1);
    if (m.substr(0, 2) != "n," || header_end == std::string_view::npos) return {};
    std::string_view rest = m.substr(header_end + 1);
    // \x01 k=v \x01 k=v \x01 ... \x01 \x01
    if (rest.size() < 2 || rest.front() != '\x01' || rest.substr(rest.size() - 2) != "\x01\x01") return {};
    rest = rest.substr(1, rest.size() - 2);
    std::string token;
    std::map<std::string, std::string> extensions;
    bool have_auth = false;
    while (!rest.empty()) {
      auto end = rest.find('\x01');
      if (end == std::string_view::npos) return {};
      std::string_view kv = rest.substr(0, end);
      rest.remove_prefix(end + 1);
      auto eq = kv.find('=');
      if (eq == std::string_view::npos || eq == 0) return {};
      std::string_view key = kv.substr(0, eq), value = kv.substr(eq + 1);
      if (key == "auth") {
        if (have_auth || value.substr(0, 7) != "Bearer ") return {};
        token = std::string(value.substr(7));
        have_auth = true;
      } else {
        extensions[std::string(key)] = std::string(value);
      }
    }
    if (!have_auth) return {};
    {
      std::lock_guard lock(stats_.oauth_mu);
      stats_.oauth_tokens.push_back(token);
    }
    std::string principal;
    const std::string status = validate(token, principal);
    if (!status.empty()) {
      error_ = "{\"status\":\"" + status + "\"" +
               (status == "insufficient_scope" ? ",\"scope\":\"" + options_.oauth_required_scope + "\"" : "") + "}";
      return {true, false, error_};  // the challenge; the exchange is not over
    }
    std::lock_guard lock(stats_.oauth_mu);
    stats_.oauth_principal = principal;
    stats_.oauth_extensions = std::move(extensions);
    return {true, true, ""};
  }

 private:
  // "" when the unsecured JWS is acceptable, else the RFC 6750 status.
  std::string validate(const std::string& token, std::string& principal) const {
    auto dot1 = token.find('.');
    auto dot2 = dot1 == std::string::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string::npos || dot2 + 1 != token.size()) return "invalid_token";  // signature must be empty
    auto header = net::base64url_decode(std::string_view(token).substr(0, dot1));
    auto claims = net::base64url_decode(std::string_view(token).substr(dot1 + 1, dot2 - dot1 - 1));
    if (!header || !claims) return "invalid_token";
    auto alg = oauth_json_field(*header, "alg");
    if (!alg || *alg != "none") return "invalid_token";
    auto sub = oauth_json_field(*claims, options_.oauth_principal_claim);
    auto exp = oauth_json_field(*claims, "exp");
    if (!sub || sub->empty() || !exp) return "invalid_token";
    double exp_seconds = 0;
    try {
      std::size_t used = 0;
      exp_seconds = std::stod(std::string(*exp), &used);
      if (used != exp->size()) return "invalid_token";
    } catch (const std::exception&) {
      return "invalid_token";
    }
    const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    if (exp_seconds <= now) return "invalid_token";
    if (!options_.oauth_required_scope.empty()) {
      auto scope = oauth_json_field(*claims, options_.oauth_scope_claim);
      bool found = false;
      if (scope && scope->starts_with("[")) found = scope->find("\"" + options_.oauth_required_scope + "\"") != std::string_view::npos;
      else if (scope) found = (" " + std::string(*scope) + " ").find(" " + options_.oauth_required_scope + " ") != std::string::npos;
      if (!found) return "insufficient_scope";
    }
    principal = std::string(*sub);
    return "";
  }

  const SaslServerOptions& options_;
  SaslServer::Stats& stats_;
  std::string error_;
};

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
    std::map<std::int32_t, std::int16_t> metadata_versions;  // correlation id -> Metadata version, while relaying
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
    bool known = false;
    for (const auto& m : options.mechanisms) known = known || m == mechanism;
    if (known && mechanism == "PLAIN") s.mechanism = std::make_unique<PlainServer>(options.users);
    else if (known && mechanism == "SCRAM-SHA-256") s.mechanism = std::make_unique<ScramServer>(net::ScramHash::sha256, options);
    else if (known && mechanism == "SCRAM-SHA-512") s.mechanism = std::make_unique<ScramServer>(net::ScramHash::sha512, options);
    else if (known && mechanism == "OAUTHBEARER") s.mechanism = std::make_unique<OAuthBearerServer>(options, *stats);
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
    Frame frame;
    while (co_await frames::read(session->client, frame)) {
      Reader r(frame);
      std::int16_t key = r.i16();
      std::int16_t version = r.i16();
      std::int32_t correlation = r.i32();
      if (r.ok() && key == kMetadata) session->metadata_versions[correlation] = version;
      if (!co_await frames::write(session->upstream, frame)) break;
    }
    session->close();
  }
  asio::awaitable<void> upstream_to_client(std::shared_ptr<Session> session) {
    Frame frame;
    while (co_await frames::read(session->upstream, frame)) {
      Reader r(frame);
      std::int32_t correlation = r.i32();
      auto it = session->metadata_versions.find(correlation);
      if (r.ok() && it != session->metadata_versions.end()) {
        auto to_self = [this](const std::string&, std::int32_t port) -> std::optional<std::pair<std::string, std::int32_t>> {
          if (port != options.upstream_port) return std::nullopt;
          return std::pair{options.advertised_host, static_cast<std::int32_t>(server.port())};
        };
        if (rewrite_metadata_brokers(frame, it->second, to_self)) ++stats->metadata_rewrites;
        session->metadata_versions.erase(it);
      }
      if (!co_await frames::write(session->client, frame)) break;
    }
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
