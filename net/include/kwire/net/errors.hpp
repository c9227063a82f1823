// Errors raised by kwire's own connection layer (as opposed to error codes a
// broker sends, which live in the protocol layer's Kafka category, and TLS
// errors, which live in tls_error.hpp). Any thread.
#pragma once

#include <system_error>

namespace kwire::net {

enum class net_errc {
  connection_closed = 1,    // the peer closed the connection or it was lost with requests in flight
  connect_failed,           // no address of the broker accepted a TCP connection
  connect_timed_out,        // connection set-up (connect, TLS, ApiVersions, auth) took too long
  resolve_failed,           // the broker's host name did not resolve
  request_timed_out,        // no response within the request timeout
  cancelled,                // the caller cancelled the request before it was written: not sent
  response_too_large,       // a response's length prefix is above the configured cap
  malformed_frame,          // a response frame too short to hold a header, or undecodable
  unexpected_correlation_id,// a response that answers no request in flight, in order
  request_too_large,        // an encoded request longer than a frame can carry
  no_common_version,        // the broker and kwire share no version of an API
  unsupported_api,          // the broker does not list the API at all
  api_versions_failed,      // the ApiVersions exchange failed or made no sense
  not_connected,            // the connection is not open (closed, or not yet set up)
  unknown_broker,           // no address is known for this broker id
  no_broker_available,      // no bootstrap server or known broker could be reached
  tls_not_configured,       // security.protocol asks for TLS but no TLS context was given
  auth_not_configured,      // security.protocol asks for SASL but no authenticator was given
  idle_timeout,             // closed by the pool after connections.max.idle.ms without traffic
  shutting_down,            // the pool or connection is being destroyed
  cancelled_in_flight,      // the caller cancelled the request after it was written: the broker may act on it
  request_withdrawn,        // not sent: a request queued before it on the connection was cancelled
};

const std::error_category& net_category() noexcept;

inline std::error_code make_error_code(net_errc e) noexcept { return {static_cast<int>(e), net_category()}; }

// True for errors after which the same request may succeed when sent again
// (perhaps to another broker after a metadata refresh): lost connections,
// timeouts, failed connects. Covers net_errc and Asio/system socket errors.
bool is_retriable_net_error(std::error_code ec) noexcept;

}  // namespace kwire::net

template <>
struct std::is_error_code_enum<kwire::net::net_errc> : std::true_type {};
