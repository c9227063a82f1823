// The net_errc category and the retriable test for connection-level errors. Any thread.
#include "kwire/net/errors.hpp"

#include <asio/error.hpp>

#include <string>

#include "error_category.hpp"

namespace kwire::net {

namespace {

const char* describe(net_errc e) noexcept {
  switch (e) {
    case net_errc::connection_closed: return "connection to the broker closed or lost";
    case net_errc::connect_failed: return "could not connect to the broker";
    case net_errc::connect_timed_out: return "connection set-up timed out (socket.connection.setup.timeout.ms)";
    case net_errc::resolve_failed: return "broker host name did not resolve";
    case net_errc::request_timed_out: return "request timed out (request.timeout.ms)";
    case net_errc::cancelled: return "request cancelled before it was sent";
    case net_errc::response_too_large: return "response larger than the configured maximum";
    case net_errc::malformed_frame: return "malformed response frame";
    case net_errc::unexpected_correlation_id: return "response correlation id matches no request in flight";
    case net_errc::request_too_large: return "request too large for one frame";
    case net_errc::no_common_version: return "broker and client share no version of this API";
    case net_errc::unsupported_api: return "broker does not support this API";
    case net_errc::api_versions_failed: return "ApiVersions negotiation failed";
    case net_errc::not_connected: return "connection is not open";
    case net_errc::unknown_broker: return "no address known for this broker id";
    case net_errc::no_broker_available: return "no broker could be reached";
    case net_errc::tls_not_configured: return "security.protocol requires TLS but no TLS context was configured";
    case net_errc::auth_not_configured: return "security.protocol requires SASL but no authenticator was configured";
    case net_errc::idle_timeout: return "connection closed after connections.max.idle.ms without traffic";
    case net_errc::shutting_down: return "client is shutting down";
    case net_errc::cancelled_in_flight:
      return "request cancelled after it was sent (the broker may still act on it)";
    case net_errc::request_withdrawn:
      return "request not sent: a request queued before it on the same connection was cancelled";
  }
  return nullptr;
}

std::string unknown(int value) { return "unknown kwire.net error " + std::to_string(value); }

}  // namespace

const std::error_category& net_category() noexcept {
  static const detail::EnumCategory<net_errc> category("kwire.net", describe, unknown);
  return category;
}

bool is_retriable_net_error(std::error_code ec) noexcept {
  if (ec.category() == net_category()) {
    switch (static_cast<net_errc>(ec.value())) {
      case net_errc::connection_closed:
      case net_errc::connect_failed:
      case net_errc::connect_timed_out:
      case net_errc::resolve_failed:
      case net_errc::request_timed_out:
      case net_errc::not_connected:
      case net_errc::no_broker_available:
      case net_errc::idle_timeout:
      case net_errc::request_withdrawn:
        return true;
      default:
        return false;
    }
  }
  return ec == asio::error::connection_refused || ec == asio::error::connection_reset ||
         ec == asio::error::connection_aborted || ec == asio::error::eof || ec == asio::error::broken_pipe ||
         ec == asio::error::timed_out || ec == asio::error::host_unreachable ||
         ec == asio::error::network_unreachable || ec == asio::error::host_not_found_try_again;
}

}  // namespace kwire::net
