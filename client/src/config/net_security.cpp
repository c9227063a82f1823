// Producer security settings to kwire::net (see net_security.hpp).
#include "config/net_security.hpp"

#include "kwire/errors.hpp"
#include "kwire/net/errors.hpp"
#include "kwire/net/sasl/oauthbearer.hpp"
#include "kwire/net/sasl/sasl_authenticator.hpp"
#include "kwire/net/sasl/sasl_error.hpp"
#include "kwire/net/tls/tls_context.hpp"
#include "kwire/net/tls/tls_error.hpp"
#include "kwire/protocol/errors.hpp"

namespace kwire::detail {
namespace {

net::SecurityProtocol to_net(SecurityProtocol p) {
  switch (p) {
    case SecurityProtocol::ssl: return net::SecurityProtocol::ssl;
    case SecurityProtocol::sasl_plaintext: return net::SecurityProtocol::sasl_plaintext;
    case SecurityProtocol::sasl_ssl: return net::SecurityProtocol::sasl_ssl;
    case SecurityProtocol::plaintext: break;
  }
  return net::SecurityProtocol::plaintext;
}

net::TlsSettings tls_settings(const SecurityConfig& s) {
  net::TlsSettings t;
  t.ca_location = s.truststore_location;
  t.ca_pem = s.truststore_certificates;
  // Java's PEM keystore file holds the chain and the key together; OpenSSL
  // picks the certificates and the key out of the same file.
  t.certificate_location = s.keystore_location.empty() ? s.certificate_location : s.keystore_location;
  t.key_location = s.keystore_location.empty() ? s.key_location : s.keystore_location;
  t.certificate_pem = s.keystore_certificate_chain;
  t.key_pem = net::Secret(s.keystore_key);
  t.key_password = net::Secret(s.key_password);
  t.verify_peer = s.verify_certificate;
  t.verify_hostname = s.verify_hostname;
  return t;
}

}  // namespace

net::SecurityConfig make_net_security(const SecurityConfig& s) {
  net::SecurityConfig n;
  n.protocol = to_net(s.protocol);
  if (net::uses_tls(n.protocol)) {
    n.tls = tls_settings(s);
    net::TlsContextResult built = net::make_tls_context(n.tls);
    if (built.error) {
      throw ConfigError(make_error_code(errc::invalid_config_value),
                        "security.protocol=" + std::string(net::to_string(n.protocol)) + ": " +
                            built.error.message() + (built.detail.empty() ? "" : " (" + built.detail + ")"));
    }
    n.tls_context = std::move(built.context);
  }
  if (net::uses_sasl(n.protocol)) {
    auto mechanism = net::parse_sasl_mechanism(s.sasl_mechanism);
    if (!mechanism) {
      throw ConfigError(make_error_code(errc::invalid_config_value),
                        "sasl.mechanism: '" + s.sasl_mechanism +
                            "' is not PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER");
    }
    net::SaslCredentials credentials;
    credentials.mechanism = *mechanism;
    credentials.username = s.sasl_username;
    credentials.password = net::Secret(s.sasl_password);
    if (*mechanism == net::SaslMechanism::oauthbearer) {
      net::OAuthBearerTokenProvider provider = s.oauthbearer_token_provider;
      if (!provider) {  // validate_security checked the unsecured JWS settings
        net::UnsecuredJwsOptions options;
        std::string why;
        if (!net::parse_unsecured_jws_config(s.sasl_oauthbearer_config, options, why))
          throw ConfigError(make_error_code(errc::invalid_config_value), "invalid value for sasl.oauthbearer.config: " + why);
        provider = net::unsecured_jws_provider(std::move(options));
      }
      // One token cache per client: its connections share a token until it expires.
      credentials.oauthbearer = std::make_shared<net::OAuthBearerTokenSource>(std::move(provider));
    }
    n.authenticate = net::make_sasl_authenticator(std::move(credentials));
  }
  return n;
}

bool is_security_failure(std::error_code ec) noexcept {
  if (!ec) return false;
  if (ec.category() == net::sasl_category() || ec.category() == net::tls_category()) return true;
  if (net::is_token_provider_error(ec)) return true;  // an OAUTHBEARER token provider's own error
  if (ec == net::net_errc::tls_not_configured || ec == net::net_errc::auth_not_configured) return true;
  // SASL errors a broker may return as Kafka error codes.
  constexpr std::int16_t kUnsupportedSaslMechanism = 33, kIllegalSaslState = 34, kSaslAuthenticationFailed = 58;
  return ec == protocol::kafka_error(kUnsupportedSaslMechanism) || ec == protocol::kafka_error(kIllegalSaslState) ||
         ec == protocol::kafka_error(kSaslAuthenticationFailed);
}

std::string describe_broker(std::int32_t id, const std::string& host, std::uint16_t port) {
  std::string address = host + ":" + std::to_string(port);
  if (id < 0) return "bootstrap server " + address;
  return "broker " + std::to_string(id) + " (" + address + ")";
}

}  // namespace kwire::detail
