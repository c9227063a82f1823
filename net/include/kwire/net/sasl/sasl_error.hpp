// Errors of SASL authentication. Messages never contain a user name's
// password, a proof or a salted key: they say which step failed.
#pragma once

#include <system_error>

namespace kwire::net {

enum class sasl_errc {
  unknown_mechanism = 1,        // sasl.mechanism is not PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER
  mechanism_not_enabled,        // the broker does not offer the configured mechanism
  authentication_failed,        // the broker rejected the credentials
  malformed_server_message,     // a SCRAM server message we cannot parse
  server_nonce_mismatch,        // the server nonce does not extend ours (a replay or a wrong peer)
  iteration_count_out_of_range, // fewer than 4096 (weak) or absurdly many (a CPU attack) PBKDF2 rounds
  server_signature_mismatch,    // the server could not prove it knows the password: not the real broker
  server_error,                 // the SCRAM server-final message carried e=...
  unexpected_message,           // a message after the exchange finished, or out of order
  missing_credentials,          // no user name configured
  framed_exchange_unsupported,  // the broker knows SaslHandshake v0 only (raw tokens), not SaslAuthenticate
  // OAUTHBEARER: the broker's RFC 7628 error challenge, by its "status"
  // (RFC 6750 section 3.1); the message names the status.
  oauthbearer_invalid_token,       // status invalid_token: expired, malformed, badly signed
  oauthbearer_insufficient_scope,  // status insufficient_scope
  oauthbearer_invalid_request,     // status invalid_request
  oauthbearer_refused,             // another or no status (logged with the broker's challenge)
  // OAUTHBEARER: what the token provider returned cannot be sent.
  oauthbearer_token_expired,  // its expiry has already passed (asked again once: still expired)
  oauthbearer_empty_token,    // no token value
  oauthbearer_bad_extension,  // an extension whose name or value RFC 7628 / KIP-342 do not allow
  oauthbearer_provider_threw,  // the token provider threw instead of returning an error
};

const std::error_category& sasl_category() noexcept;

inline std::error_code make_error_code(sasl_errc e) noexcept { return {static_cast<int>(e), sasl_category()}; }

}  // namespace kwire::net

template <>
struct std::is_error_code_enum<kwire::net::sasl_errc> : std::true_type {};
