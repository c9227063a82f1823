// The client side of one SASL exchange, independent of sockets: feed it the
// server's SaslAuthenticate bytes, send what it returns. One instance per
// connection attempt; used on that connection's io_context thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <system_error>
#include <vector>

#include "kwire/net/sasl/sasl_error.hpp"
#include "kwire/net/sasl/sasl_mechanism.hpp"
#include "kwire/protocol/wire/bytes.hpp"

namespace kwire::net {

struct SaslStep {
  std::error_code error;            // a sasl_errc; the exchange is over (after sending `reply` if there is one)
  bool done = false;                // authenticated: nothing more to send
  std::vector<std::uint8_t> reply;  // otherwise: the next SaslAuthenticate bytes; with an error: the last ones
                                    // (OAUTHBEARER answers an error challenge with 0x01 before failing)
};

class SaslClient {
 public:
  virtual ~SaslClient() = default;
  // The name for SaslHandshake ("PLAIN", "SCRAM-SHA-256", ...).
  virtual std::string_view mechanism() const noexcept = 0;
  // The bytes of the first SaslAuthenticate request.
  virtual std::vector<std::uint8_t> initial_response() = 0;
  // The auth bytes of a successful SaslAuthenticate response.
  virtual SaslStep on_server_message(protocol::Bytes server_message) = 0;
};

// A client for the configured mechanism; an error when the user name is missing.
std::unique_ptr<SaslClient> make_sasl_client(const SaslCredentials& credentials, std::error_code& ec);

}  // namespace kwire::net
