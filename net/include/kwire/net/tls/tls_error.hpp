// Errors of TLS set-up and handshakes, each with a message that tells the
// user what to fix (a wrong CA, a wrong host name, an expired certificate...).
#pragma once

#include <system_error>

namespace kwire::net {

enum class tls_errc {
  invalid_security_protocol = 1,  // not PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL
  invalid_settings,               // e.g. a key without a certificate
  ca_location_unreadable,         // ssl.ca.location missing or not PEM
  certificate_unreadable,         // ssl.certificate.location missing or not PEM
  private_key_unreadable,         // ssl.key.location missing, not PEM, or wrong pass phrase
  private_key_mismatch,           // the key does not belong to the certificate
  context_setup_failed,           // OpenSSL refused another setting
  untrusted_certificate,          // the server's chain does not lead to a trusted CA
  hostname_mismatch,              // the certificate does not name the host we dialled
  certificate_expired,            // the server's (or an issuer's) certificate has expired
  certificate_not_yet_valid,      // its validity starts in the future
  certificate_rejected,           // any other certificate verification failure
  handshake_failed,               // no common protocol version or cipher, or the peer is not TLS
};

const std::error_category& tls_category() noexcept;

inline std::error_code make_error_code(tls_errc e) noexcept { return {static_cast<int>(e), tls_category()}; }

// True for the errors that are about the peer's certificate (never retried
// silently: they need the user to fix configuration or the broker).
bool is_certificate_error(std::error_code ec) noexcept;

}  // namespace kwire::net

template <>
struct std::is_error_code_enum<kwire::net::tls_errc> : std::true_type {};
