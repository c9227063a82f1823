// Parsing and printing of `sasl.mechanism`, and the client factory.
#include "kwire/net/sasl/sasl_mechanism.hpp"

#include "kwire/net/sasl/plain_client.hpp"
#include "kwire/net/sasl/scram_client.hpp"

namespace kwire::net {

std::optional<SaslMechanism> parse_sasl_mechanism(std::string_view text) noexcept {
  if (text == "PLAIN") return SaslMechanism::plain;
  if (text == "SCRAM-SHA-256") return SaslMechanism::scram_sha_256;
  if (text == "SCRAM-SHA-512") return SaslMechanism::scram_sha_512;
  return std::nullopt;
}

std::string_view to_string(SaslMechanism mechanism) noexcept {
  switch (mechanism) {
    case SaslMechanism::plain: return "PLAIN";
    case SaslMechanism::scram_sha_256: return "SCRAM-SHA-256";
    case SaslMechanism::scram_sha_512: return "SCRAM-SHA-512";
  }
  return "UNKNOWN";
}

std::unique_ptr<SaslClient> make_sasl_client(const SaslCredentials& credentials, std::error_code& ec) {
  ec.clear();
  if (credentials.username.empty()) {
    ec = make_error_code(sasl_errc::missing_credentials);
    return nullptr;
  }
  switch (credentials.mechanism) {
    case SaslMechanism::plain:
      return std::make_unique<PlainClient>(credentials.username, credentials.password);
    case SaslMechanism::scram_sha_256:
      return std::make_unique<ScramClient>(ScramHash::sha256, credentials.username, credentials.password);
    case SaslMechanism::scram_sha_512:
      return std::make_unique<ScramClient>(ScramHash::sha512, credentials.username, credentials.password);
  }
  ec = make_error_code(sasl_errc::unknown_mechanism);
  return nullptr;
}

}  // namespace kwire::net
