// SCRAM (RFC 5802, RFC 7677) client: client-first, server-first parsing,
// client-final with the proof, and verification of the server's signature,
// so a peer that does not know the password is refused too.
#pragma once

#include <string>

#include "kwire/net/sasl/sasl_client.hpp"
#include "kwire/net/sasl/scram_crypto.hpp"

namespace kwire::net {

class ScramClient final : public SaslClient {
 public:
  static constexpr int kMinIterations = 4096;     // RFC 7677's floor, as Kafka enforces
  static constexpr int kMaxIterations = 1000000;  // a hostile server must not burn our CPU

  // `client_nonce` is injectable so the RFC test vectors can be replayed;
  // production code leaves it to scram_nonce().
  ScramClient(ScramHash hash, std::string username, Secret password, std::string client_nonce = scram_nonce());

  std::string_view mechanism() const noexcept override;
  std::vector<std::uint8_t> initial_response() override;
  SaslStep on_server_message(protocol::Bytes server_message) override;

 private:
  SaslStep on_server_first(std::string_view message);
  SaslStep on_server_final(std::string_view message);

  enum class State { initial, sent_first, sent_final, done, failed };
  ScramHash hash_;
  std::string username_;
  Secret password_;
  std::string client_nonce_;
  std::string client_first_bare_;
  ByteVector expected_server_signature_;
  State state_ = State::initial;
};

// "=" -> "=3D" and "," -> "=2C" (RFC 5802 saslname).
std::string scram_escape_username(std::string_view name);

}  // namespace kwire::net
