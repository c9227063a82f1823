// The `security.protocol` setting: whether a broker connection is wrapped in
// TLS and whether it authenticates with SASL. Pure functions, any thread.
#pragma once

#include <optional>
#include <string_view>

namespace kwire::net {

enum class SecurityProtocol { plaintext, ssl, sasl_plaintext, sasl_ssl };

// Accepts PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL in any letter case.
std::optional<SecurityProtocol> parse_security_protocol(std::string_view text) noexcept;
// The canonical upper-case spelling.
std::string_view to_string(SecurityProtocol protocol) noexcept;

constexpr bool uses_tls(SecurityProtocol p) noexcept {
  return p == SecurityProtocol::ssl || p == SecurityProtocol::sasl_ssl;
}
constexpr bool uses_sasl(SecurityProtocol p) noexcept {
  return p == SecurityProtocol::sasl_plaintext || p == SecurityProtocol::sasl_ssl;
}

}  // namespace kwire::net
