// SASL OAUTHBEARER (RFC 7628, KIP-255; extensions per KIP-342): the token a
// client presents, the provider that hands it out, the cache a client's
// connections share (a token is reused until it expires, then the provider is
// asked again when a new connection authenticates), the unsecured JWS of
// Kafka's and librdkafka's tests (header {"alg":"none"}, claims sub/iat/exp,
// empty signature), and the client side of the exchange. The cache is
// thread-safe; the rest is plain data and pure functions. No re-authentication
// (KIP-368) of a connection that outlives its token.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "kwire/net/sasl/sasl_client.hpp"

namespace kwire::net {

struct OAuthBearerToken {
  std::string value;                                // the compact serialization (a JWT); never logged
  std::chrono::system_clock::time_point expiry{};  // end of its lifetime: not sent on a new connection after it
  std::string principal;                            // for log lines ("OAUTHBEARER as 'alice'")
  std::map<std::string, std::string> extensions{};  // KIP-342 SASL extensions: key [A-Za-z]+, not "auth"
};

// What a token provider returns: a token, or an error (set `error`; the
// connection's set-up fails with exactly that code, and a producer fails its
// sends with it as with a wrong password).
struct OAuthBearerTokenResult {
  OAuthBearerToken token{};
  std::error_code error{};
};
using OAuthBearerTokenProvider = std::function<OAuthBearerTokenResult()>;

// The unsecured JWS options, librdkafka's sasl.oauthbearer.config syntax:
// space-separated name=value, "principal=alice scope=a,b lifeSeconds=600
// principalClaimName=sub scopeClaimName=scope extension_traceId=123".
struct UnsecuredJwsOptions {
  std::string principal;
  std::string principal_claim = "sub";
  std::vector<std::string> scope{};
  std::string scope_claim = "scope";
  std::chrono::seconds life{3600};
  std::map<std::string, std::string> extensions{};
};
// False with `why` naming the problem (unknown name, bad number, bad extension).
bool parse_unsecured_jws_config(std::string_view text, UnsecuredJwsOptions& out, std::string& why);
// header {"alg":"none"}, claims {principal_claim, iat, exp[, scope_claim]}, "" signature.
OAuthBearerToken make_unsecured_jws(const UnsecuredJwsOptions& options, std::chrono::system_clock::time_point now);
OAuthBearerTokenProvider unsecured_jws_provider(UnsecuredJwsOptions options);

// KIP-342: key [A-Za-z]+ and not "auth"; value of RFC 7628's VCHAR, SP, HTAB, CR, LF.
bool valid_sasl_extension(std::string_view key, std::string_view value) noexcept;

// base64url without padding (RFC 4648 section 5), as JWS uses it.
std::string base64url_encode(std::string_view data);
std::optional<std::string> base64url_decode(std::string_view text);

// A client's token, shared by its connections: token() returns the cached one
// while `clock()` is before its expiry, otherwise asks the provider (once per
// call). A provider error comes back as it is; a token that is empty or
// already expired is sasl_errc::oauthbearer_empty_token /
// oauthbearer_token_expired, one that throws oauthbearer_provider_threw. Any thread; the provider runs under the lock, on
// the thread of the connection that needs a token.
class OAuthBearerTokenSource {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;
  explicit OAuthBearerTokenSource(OAuthBearerTokenProvider provider, Clock clock = {});
  OAuthBearerTokenResult token();
  int provider_calls() const;

 private:
  mutable std::mutex mu_;
  OAuthBearerTokenProvider provider_;
  Clock clock_;
  std::optional<OAuthBearerToken> cached_;
  int calls_ = 0;
};

// True for an error code some token provider returned (they are remembered,
// up to 64 distinct codes, process-wide), so a client can treat it as an
// authentication failure like a refused password. Any thread.
bool is_token_provider_error(std::error_code ec) noexcept;

// The "status" of an RFC 7628 error challenge ({"status":"invalid_token",...}),
// empty when there is none.
std::string oauthbearer_error_status(std::string_view server_challenge);

// RFC 7628 client: "n,,\x01auth=Bearer <token>\x01[key=value\x01...]\x01";
// an empty server answer means success; an error challenge is answered with
// the single byte 0x01 (section 3.2.3) and the exchange then fails with the
// sasl_errc of its status.
class OAuthBearerClient final : public SaslClient {
 public:
  explicit OAuthBearerClient(OAuthBearerToken token) : token_(std::move(token)) {}
  std::string_view mechanism() const noexcept override { return "OAUTHBEARER"; }
  std::vector<std::uint8_t> initial_response() override;
  SaslStep on_server_message(protocol::Bytes server_message) override;
  // The server's status after an error challenge ("invalid_token"...).
  const std::string& server_status() const noexcept { return status_; }
  const std::string& principal() const noexcept { return token_.principal; }

 private:
  OAuthBearerToken token_;
  enum class State { initial, sent, done, failed } state_ = State::initial;
  std::string status_;
};

}  // namespace kwire::net
