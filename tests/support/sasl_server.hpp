// A Kafka SASL front end for tests (librdkafka's mock cluster has no SASL):
// answers ApiVersions, SaslHandshake v0-1 and SaslAuthenticate v0-2 with the
// server side of PLAIN and SCRAM-SHA-256/512 written here on the wire
// primitives (not on kwire's generated messages, so a codec bug cannot hide).
// With an upstream, ApiVersions is answered by the upstream (SASL APIs added)
// and, once authenticated, frames are relayed to it; brokers in Metadata
// answers that have the upstream's port are rewritten to this server, so a
// one-broker cluster is reached only through SASL. Runs its own io_context
// thread; public members may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <memory>
#include <string>
#include <vector>

namespace kwire::test {

struct SaslUser {
  std::string name;
  std::string password;
};

struct SaslServerOptions {
  std::vector<std::string> mechanisms{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"};
  std::vector<SaslUser> users;
  int scram_iterations = 4096;
  // Plaintext broker to relay to; empty host = no upstream.
  std::string upstream_host;
  std::uint16_t upstream_port = 0;
  // Host written into rewritten Metadata answers.
  std::string advertised_host = "127.0.0.1";
  // The versions advertised for SaslHandshake and SaslAuthenticate ({min,
  // max}); a request outside them is answered UNSUPPORTED_VERSION and the
  // connection closed, as Kafka does. Narrowed by the conformance rounds to
  // force one version.
  struct Range {
    std::int16_t min, max;
  };
  Range handshake_versions{0, 1};
  Range authenticate_versions{0, 2};
  // OAUTHBEARER (RFC 7628) accepts unsecured JWS tokens as Kafka's
  // OAuthBearerUnsecuredJws does: header alg "none", an empty signature, the
  // principal claim a non-empty string, exp (seconds, fractions allowed) not
  // past; with a required scope, the scope claim (an array or a space-separated
  // string) must hold it. A refused token is answered with RFC 7628's error
  // challenge {"status":"invalid_token"} (or insufficient_scope); the client's
  // 0x01 then gets SASL_AUTHENTICATION_FAILED with that JSON as the message.
  std::string oauth_principal_claim = "sub";
  std::string oauth_scope_claim = "scope";
  std::string oauth_required_scope;
  // Misbehaviour: a server-final signature that does not verify (an impostor
  // that accepted any proof).
  bool forge_server_signature = false;
};

class SaslServer {
 public:
  explicit SaslServer(SaslServerOptions options);
  ~SaslServer();
  SaslServer(const SaslServer&) = delete;
  SaslServer& operator=(const SaslServer&) = delete;

  std::uint16_t port() const noexcept;
  std::string bootstrap() const { return "127.0.0.1:" + std::to_string(port()); }

  int authentications_succeeded() const noexcept { return stats_->succeeded.load(); }
  int authentications_failed() const noexcept { return stats_->failed.load(); }
  // Requests other than ApiVersions/SaslHandshake/SaslAuthenticate that
  // arrived before authentication finished (they are refused).
  int unauthenticated_requests() const noexcept { return stats_->unauthenticated.load(); }
  // SaslHandshake requests received, whatever their version.
  int handshakes() const noexcept { return stats_->handshakes.load(); }
  // Metadata answers relayed with the broker addresses rewritten.
  int metadata_rewrites() const noexcept { return stats_->metadata_rewrites.load(); }

  // OAUTHBEARER: the tokens received, in order, the principal and the
  // extensions of the last accepted one, and how many error challenges the
  // client answered with exactly 0x01.
  std::vector<std::string> oauth_tokens() const;
  std::string oauth_last_principal() const;
  std::map<std::string, std::string> oauth_last_extensions() const;
  int oauth_error_acknowledgements() const noexcept { return stats_->oauth_acks.load(); }

  struct Stats {
    std::atomic<int> oauth_acks{0};
    mutable std::mutex oauth_mu;
    std::vector<std::string> oauth_tokens;
    std::string oauth_principal;
    std::map<std::string, std::string> oauth_extensions;
    std::atomic<int> succeeded{0};
    std::atomic<int> failed{0};
    std::atomic<int> unauthenticated{0};
    std::atomic<int> metadata_rewrites{0};
    std::atomic<int> handshakes{0};
  };
  struct Impl;

 private:
  std::shared_ptr<Stats> stats_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kwire::test
