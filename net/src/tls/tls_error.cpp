// The TLS error category: one sentence per error, saying what to check.
#include "kwire/net/tls/tls_error.hpp"

#include <string>

#include "../error_category.hpp"

namespace kwire::net {
namespace {

const char* describe(tls_errc e) noexcept {
  switch (e) {
    case tls_errc::invalid_security_protocol:
      return "security.protocol must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL";
    case tls_errc::invalid_settings:
      return "invalid TLS settings (a client certificate and its key must be given together)";
    case tls_errc::ca_location_unreadable:
      return "ssl.ca.location could not be read as PEM CA certificates";
    case tls_errc::certificate_unreadable:
      return "ssl.certificate.location could not be read as a PEM certificate";
    case tls_errc::private_key_unreadable:
      return "ssl.key.location could not be read as a PEM private key (or the pass phrase is wrong)";
    case tls_errc::private_key_mismatch:
      return "the private key does not match the client certificate";
    case tls_errc::context_setup_failed:
      return "OpenSSL refused the TLS settings";
    case tls_errc::untrusted_certificate:
      return "the broker's certificate is not signed by a trusted CA (check ssl.ca.location)";
    case tls_errc::hostname_mismatch:
      return "the broker's certificate does not match the host name it was reached by";
    case tls_errc::certificate_expired:
      return "the broker's certificate (or one of its issuers) has expired";
    case tls_errc::certificate_not_yet_valid:
      return "the broker's certificate is not valid yet (check the clocks)";
    case tls_errc::certificate_rejected:
      return "the broker's certificate failed verification";
    case tls_errc::handshake_failed:
      return "the TLS handshake failed (no common TLS version or cipher, or the peer does not speak TLS)";
  }
  return nullptr;
}

std::string unknown(int) { return "unknown TLS error"; }

}  // namespace

const std::error_category& tls_category() noexcept {
  static const detail::EnumCategory<tls_errc> category("kwire.tls", describe, unknown);
  return category;
}

bool is_certificate_error(std::error_code ec) noexcept {
  if (ec.category() != tls_category()) return false;
  auto e = static_cast<tls_errc>(ec.value());
  return e == tls_errc::untrusted_certificate || e == tls_errc::hostname_mismatch ||
         e == tls_errc::certificate_expired || e == tls_errc::certificate_not_yet_valid ||
         e == tls_errc::certificate_rejected;
}

}  // namespace kwire::net
