// The producer's security.protocol, ssl.* and sasl.* settings turned into
// kwire::net's security settings (TLS context, SASL authenticator), and the
// errors that mean "fix the configuration or the broker", not "try again".
// make_net_security reads key and trust files: call it once, at construction,
// on the constructing thread. is_security_failure is pure, any thread.
#pragma once

#include <system_error>

#include "kwire/net/config.hpp"
#include "kwire/producer_config.hpp"

namespace kwire::detail {

// Throws ConfigError naming the setting when a file cannot be read or the
// trust/key material is unusable.
net::SecurityConfig make_net_security(const SecurityConfig& security);

// TLS verification and handshake failures, SASL refusals (wrong password,
// mechanism not enabled, a server that cannot prove the password...).
bool is_security_failure(std::error_code ec) noexcept;

}  // namespace kwire::detail
