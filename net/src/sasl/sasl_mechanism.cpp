// Parsing and printing of `sasl.mechanism`, and the client factory.
#include "kwire/net/sasl/sasl_mechanism.hpp"

#include "kwire/net/sasl/oauthbearer.hpp"
#include "kwire/net/sasl/plain_client.hpp"
#include "kwire/net/sasl/scram_client.hpp"

namespace kwire::net {

std::optional<SaslMechanism> parse_sasl_mechanism(std::string_view text) noexcept {
  if (text == "PLAIN") return SaslMechanism::plain;
  if (text == "SCRAM-SHA-256") return SaslMechanism::scram_sha_256;
  if (text == "SCRAM-SHA-512") return SaslMechanism::scram_sha_512;
  if (text == "OAUTHBEARER") return SaslMechanism::oauthbearer;
  return std::nullopt;
}

std::string_view to_string(SaslMechanism mechanism) noexcept {
  switch (mechanism) {
    case SaslMechanism::plain: return "PLAIN";
    case SaslMechanism::scram_sha_256: return "SCRAM-SHA-256";
    case SaslMechanism::scram_sha_512: return "SCRAM-SHA-512";
    case SaslMechanism::oauthbearer: return "OAUTHBEARER";
  }
  return "UNKNOWN";
}

std::unique_ptr<SaslClient> make_sasl_client(const SaslCredentials& credentials, std::error_code& ec) {
  ec.clear();
  if (credentials.mechanism == SaslMechanism::oauthbearer) {
    if (!credentials.oauthbearer) {
      ec = make_error_code(sasl_errc::missing_credentials);
      return nullptr;
    }
    // A token still valid, or a new one from the provider.
    OAuthBearerTokenResult got = credentials.oauthbearer->token();
    if (got.error) {
      ec = got.error;
      return nullptr;
    }
    return std::make_unique<OAuthBearerClient>(std::move(got.token));
  }
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
    case SaslMechanism::oauthbearer: break;  // above
  }
  ec = make_error_code(sasl_errc::unknown_mechanism);
  return nullptr;
}

}  // namespace kwire::net
