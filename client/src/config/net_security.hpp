// The producer's security.protocol, ssl.* and sasl.* settings turned into
// kwire::net's security settings (TLS context, SASL authenticator), and the
// errors that mean "fix the configuration or the broker", not "try again".
// make_net_security reads key and trust files: call it once, at construction,
// on the constructing thread. is_security_failure and describe_broker are
// pure, any thread.
#pragma once

#include <cstdint>
#include <string>
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

// "broker 1 (127.0.0.1:9092)" or "bootstrap server 127.0.0.1:9092", for
// messages about a connection's failure.
std::string describe_broker(std::int32_t id, const std::string& host, std::uint16_t port);

}  // namespace kwire::detail
