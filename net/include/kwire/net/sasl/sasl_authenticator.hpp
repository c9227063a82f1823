// Runs SASL on a freshly negotiated broker connection: SaslHandshake v1 with
// the configured mechanism, then SaslAuthenticate round trips driven by a
// SaslClient (PLAIN: one, SCRAM: two, the second checking the broker's
// signature). Plug make_sasl_authenticator() into
// NetConfig::security.authenticate. Runs on the io_context thread that owns
// the connection. Log lines and errors name the mechanism, the user and the
// broker, never the password or any SCRAM proof.
#pragma once

// A standard header before any Asio header: Asio decides whether to use
// aligned_alloc from libstdc++'s config macros, and every translation unit
// must decide the same way or frames are freed with the wrong deallocator.
#include <system_error>

#include <asio/awaitable.hpp>

#include "kwire/net/config.hpp"
#include "kwire/net/sasl/sasl_client.hpp"
#include "kwire/net/sasl/sasl_mechanism.hpp"

namespace kwire::net {

class BrokerConnection;

// Errors: sasl_errc::mechanism_not_enabled, sasl_errc::authentication_failed,
// the SaslClient's own refusals (server_signature_mismatch...), Kafka errors
// the broker returns otherwise, and the connection's own errors.
asio::awaitable<std::error_code> sasl_authenticate(BrokerConnection& connection, const SaslCredentials& credentials,
                                                   const LogHook& log);

// The hook for NetConfig::security.authenticate; the credentials are copied
// into it (the password stays a Secret).
AuthHook make_sasl_authenticator(SaslCredentials credentials, LogHook log = {});

}  // namespace kwire::net
