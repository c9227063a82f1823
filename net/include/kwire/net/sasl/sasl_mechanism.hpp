// The `sasl.mechanism` setting and the credentials that go with it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "kwire/net/sasl/secret.hpp"

namespace kwire::net {

enum class SaslMechanism { plain, scram_sha_256, scram_sha_512, oauthbearer };

class OAuthBearerTokenSource;  // sasl/oauthbearer.hpp

// Accepts PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER (upper case, as Kafka names them).
std::optional<SaslMechanism> parse_sasl_mechanism(std::string_view text) noexcept;
// The name sent in SaslHandshake.
std::string_view to_string(SaslMechanism mechanism) noexcept;

struct SaslCredentials {
  SaslMechanism mechanism = SaslMechanism::plain;
  std::string username;  // sasl.username
  Secret password;       // sasl.password
  // OAUTHBEARER: where tokens come from (user name and password unused).
  std::shared_ptr<OAuthBearerTokenSource> oauthbearer{};
};

}  // namespace kwire::net
