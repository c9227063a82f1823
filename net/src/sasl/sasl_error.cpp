// The SASL error category. Messages are fixed sentences: nothing from the
// credentials can end up in them.
#include "kwire/net/sasl/sasl_error.hpp"

#include <string>

#include "../error_category.hpp"

namespace kwire::net {
namespace {

const char* describe(sasl_errc e) noexcept {
  switch (e) {
    case sasl_errc::unknown_mechanism:
      return "sasl.mechanism must be PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER";
    case sasl_errc::mechanism_not_enabled:
      return "the broker does not enable the configured SASL mechanism";
    case sasl_errc::authentication_failed:
      return "SASL authentication failed: the broker rejected the user name or password";
    case sasl_errc::malformed_server_message:
      return "SASL: the broker's SCRAM message is malformed";
    case sasl_errc::server_nonce_mismatch:
      return "SASL: the broker's SCRAM nonce does not extend the client's";
    case sasl_errc::iteration_count_out_of_range:
      return "SASL: the broker's SCRAM iteration count is out of range (4096 to 1000000)";
    case sasl_errc::server_signature_mismatch:
      return "SASL: the broker's SCRAM signature is wrong (the peer does not know the credentials)";
    case sasl_errc::server_error:
      return "SASL: the broker ended the SCRAM exchange with an error";
    case sasl_errc::unexpected_message:
      return "SASL: unexpected message for the state of the exchange";
    case sasl_errc::missing_credentials:
      return "SASL: sasl.username is not set";
    case sasl_errc::framed_exchange_unsupported:
      return "SASL: the broker knows only SaslHandshake v0 (raw tokens); kwire needs v1 (SaslAuthenticate)";
    case sasl_errc::oauthbearer_invalid_token:
      return "SASL OAUTHBEARER: the broker refused the token with status invalid_token (expired, malformed or "
             "not trusted)";
    case sasl_errc::oauthbearer_insufficient_scope:
      return "SASL OAUTHBEARER: the broker refused the token with status insufficient_scope (a required scope "
             "is missing)";
    case sasl_errc::oauthbearer_invalid_request:
      return "SASL OAUTHBEARER: the broker refused the token with status invalid_request";
    case sasl_errc::oauthbearer_refused:
      return "SASL OAUTHBEARER: the broker refused the token with a status that is not RFC 6750's (the log "
             "line has the broker's answer)";
    case sasl_errc::oauthbearer_token_expired:
      return "SASL OAUTHBEARER: the token provider returned a token whose lifetime has already ended";
    case sasl_errc::oauthbearer_empty_token:
      return "SASL OAUTHBEARER: the token provider returned an empty token";
    case sasl_errc::oauthbearer_bad_extension:
      return "SASL OAUTHBEARER: the token provider returned an extension whose name is not letters only (or is "
             "'auth') or whose value is not printable";
    case sasl_errc::oauthbearer_provider_threw:
      return "SASL OAUTHBEARER: the token provider threw an exception (return an error instead)";
  }
  return nullptr;
}

std::string unknown(int) { return "unknown SASL error"; }

}  // namespace

const std::error_category& sasl_category() noexcept {
  static const detail::EnumCategory<sasl_errc> category("kwire.sasl", describe, unknown);
  return category;
}

}  // namespace kwire::net
