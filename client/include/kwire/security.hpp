// The producer's security settings for connections opened without a
// Producer: security.protocol, ssl.* and sasl.* properties (Java's names and
// librdkafka's, as ProducerConfig reads them) turned into kwire::net's
// settings, so a tool that talks to brokers directly (the kwire command's
// metadata, api-versions and consume) connects exactly as a Producer would.
#pragma once

#include <string_view>

#include "kwire/net/config.hpp"
#include "kwire/producer_config.hpp"

namespace kwire {

// True for the names net_security_from_properties() reads: security.*,
// ssl.*, sasl.* (known or not: unknown ones are refused there, by name),
// enable.ssl.certificate.verification and enable.sasl.oauthbearer.unsecure.jwt.
bool is_security_property(std::string_view key) noexcept;

// The security properties among `props` (other keys are ignored) as net
// settings: the TLS context built from the trust and key material, the SASL
// authenticator chosen. Throws ConfigError naming the property that is
// unknown, bad or inconsistent, or the file that cannot be used. Reads files:
// call it once, at set-up.
net::SecurityConfig net_security_from_properties(const Properties& props);

}  // namespace kwire
