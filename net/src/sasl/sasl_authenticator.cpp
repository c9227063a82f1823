// SASL over a BrokerConnection with the generated SaslHandshake and
// SaslAuthenticate messages (KIP-152 framing).
#include "kwire/net/sasl/sasl_authenticator.hpp"

#include "kwire/net/broker_connection.hpp"
#include "kwire/net/errors.hpp"
#include "kwire/net/sasl/oauthbearer.hpp"
#include "kwire/net/sasl/sasl_error.hpp"
#include "kwire/protocol/errors.hpp"
#include "kwire/protocol/messages/sasl_authenticate_request.hpp"
#include "kwire/protocol/messages/sasl_authenticate_response.hpp"
#include "kwire/protocol/messages/sasl_handshake_request.hpp"
#include "kwire/protocol/messages/sasl_handshake_response.hpp"

namespace kwire::net {
namespace {

namespace msg = kwire::protocol::messages;

constexpr std::int16_t kUnsupportedSaslMechanism = 33;
constexpr std::int16_t kSaslAuthenticationFailed = 58;
// PLAIN needs one round trip and SCRAM two; a server asking for more is broken.
constexpr int kMaxRoundTrips = 4;

std::string who(const BrokerConnection& c, const SaslCredentials& creds, std::string_view principal = {}) {
  std::string name = creds.mechanism == SaslMechanism::oauthbearer ? std::string(principal) : creds.username;
  return std::string(to_string(creds.mechanism)) + (name.empty() ? "" : " as '" + name + "'") + " on " + c.host() +
         ":" + std::to_string(c.port());
}

}  // namespace

asio::awaitable<std::error_code> sasl_authenticate(BrokerConnection& connection, const SaslCredentials& credentials,
                                                   const LogHook& log) {
  std::error_code ec;
  auto client = make_sasl_client(credentials, ec);
  if (!client) {
    // OAUTHBEARER: the token provider's error, or a token that cannot be sent.
    log(LogLevel::error, "SASL " + who(connection, credentials) + ": no credentials to send: " + ec.message());
    co_return ec;
  }
  auto* oauth = dynamic_cast<OAuthBearerClient*>(client.get());
  auto who = [&, principal = oauth ? oauth->principal() : std::string()](const BrokerConnection& c,
                                                                          const SaslCredentials& creds) {
    return kwire::net::who(c, creds, principal);
  };

  msg::SaslHandshakeRequest handshake;
  handshake.mechanism = std::string(client->mechanism());
  SendOptions v1;
  v1.max_version = 1;  // v1: the exchange continues in SaslAuthenticate frames
  // After a v0 handshake the broker expects raw SASL tokens, not
  // SaslAuthenticate frames, and kwire speaks only the framed exchange
  // (KIP-152): against a broker knowing v0 only, fail before the handshake
  // instead of sending frames it would misread. A SASL error, so the producer
  // fails its sends with it at once (is_security_failure).
  v1.min_version = 1;
  auto hs = co_await connection.send<msg::SaslHandshakeResponse>(handshake, v1);
  if (hs.error == net_errc::no_common_version) hs.error = make_error_code(sasl_errc::framed_exchange_unsupported);
  if (hs.error) {
    log(LogLevel::error, "SASL handshake failed for " + who(connection, credentials) + ": " + hs.error.message());
    co_return hs.error;
  }
  if (hs.response.body.error_code != 0) {
    ec = hs.response.body.error_code == kUnsupportedSaslMechanism ? make_error_code(sasl_errc::mechanism_not_enabled)
                                                                   : protocol::kafka_error(hs.response.body.error_code);
    std::string offered;
    for (const auto& m : hs.response.body.mechanisms) offered += (offered.empty() ? "" : ", ") + m;
    log(LogLevel::error, "SASL " + who(connection, credentials) + ": " + ec.message() + " (broker offers: " + offered + ")");
    co_return ec;
  }

  std::vector<std::uint8_t> message = client->initial_response();
  for (int round = 0; round < kMaxRoundTrips; ++round) {
    msg::SaslAuthenticateRequest request;
    request.auth_bytes = protocol::Bytes(message);
    auto auth = co_await connection.send<msg::SaslAuthenticateResponse>(request);
    if (auth.error) {
      log(LogLevel::error, "SASL authentication failed for " + who(connection, credentials) + ": " + auth.error.message());
      co_return auth.error;
    }
    const auto& body = auth.response.body;
    if (body.error_code != 0) {
      ec = body.error_code == kSaslAuthenticationFailed ? make_error_code(sasl_errc::authentication_failed)
                                                         : protocol::kafka_error(body.error_code);
      // The broker's own message helps (it never contains what we sent).
      log(LogLevel::error, "SASL " + who(connection, credentials) + ": " + ec.message() +
                               (body.error_message ? " (broker: " + *body.error_message + ")" : ""));
      co_return ec;
    }
    SaslStep step = client->on_server_message(body.auth_bytes);
    if (step.error && !step.reply.empty()) {
      // OAUTHBEARER's error challenge: RFC 7628 wants the client's 0x01
      // before the server fails the exchange; the failure is the challenge's.
      log(LogLevel::error, "SASL " + who(connection, credentials) + ": " + step.error.message() + " (broker: " +
                               std::string(protocol::as_string(body.auth_bytes)) + ")");
      msg::SaslAuthenticateRequest last;
      last.auth_bytes = protocol::Bytes(step.reply);
      auto answer = co_await connection.send<msg::SaslAuthenticateResponse>(last);
      if (!answer.error && answer.response.body.error_code == 0)
        log(LogLevel::warning, "SASL " + who(connection, credentials) + ": the broker accepted the 0x01 that ends "
                                   "a refused exchange; failing it anyway");
      co_return step.error;
    }
    if (step.error) {
      log(LogLevel::error, "SASL " + who(connection, credentials) + ": " + step.error.message());
      co_return step.error;
    }
    if (step.done) {
      log(LogLevel::info, "SASL authenticated " + who(connection, credentials));
      co_return std::error_code{};
    }
    message = std::move(step.reply);
  }
  co_return make_error_code(sasl_errc::unexpected_message);
}

namespace {

// The shared_ptrs are parameters, so the coroutine frame keeps them alive
// even if the hook object goes away mid-exchange.
asio::awaitable<std::error_code> authenticate_owned(BrokerConnection& connection,
                                                    std::shared_ptr<const SaslCredentials> credentials,
                                                    std::shared_ptr<const LogHook> log) {
  co_return co_await sasl_authenticate(connection, *credentials, *log);
}

}  // namespace

AuthHook make_sasl_authenticator(SaslCredentials credentials, LogHook log) {
  auto shared = std::make_shared<const SaslCredentials>(std::move(credentials));
  auto shared_log = std::make_shared<const LogHook>(std::move(log));
  return [shared, shared_log](BrokerConnection& connection) {
    return authenticate_owned(connection, shared, shared_log);
  };
}

}  // namespace kwire::net
