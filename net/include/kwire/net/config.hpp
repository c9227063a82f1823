// Configuration of the network layer: bootstrap servers, timeouts, reconnect
// backoff, idle close, response cap, broker address mapping, security hooks,
// logging. Filled on any thread before the pool is created; read-only after.
#pragma once

// A standard header before Asio's: Asio picks its aligned allocator from
// libstdc++'s configuration macros, and every translation unit must agree.
#include <cstddef>

#include <asio/awaitable.hpp>
#include <asio/ssl/context.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "kwire/net/log.hpp"
#include "kwire/net/tls/security_protocol.hpp"
#include "kwire/net/tls/tls_settings.hpp"

namespace kwire::net {

class BrokerConnection;

// Runs on a freshly negotiated connection before it becomes usable (SASL
// handshake and authentication). It may send requests with
// BrokerConnection::send / send_raw; an error closes the connection and fails
// the connect. Runs on the io_context thread.
using AuthHook = std::function<asio::awaitable<std::error_code>(BrokerConnection&)>;

struct SecurityConfig {
  SecurityProtocol protocol = SecurityProtocol::plaintext;
  // For SSL/SASL_SSL: the shared client context (see tls/tls_context.hpp:
  // make_tls_context) and the settings that prepare each connection (SNI,
  // host-name check). The TLS handshake itself is done by the connection.
  std::shared_ptr<asio::ssl::context> tls_context;
  TlsSettings tls;
  // For SASL_PLAINTEXT/SASL_SSL: the authenticator (see sasl/).
  AuthHook authenticate;
};

struct NetConfig {
  std::vector<std::string> bootstrap_servers;  // "host:port" each (or comma-separated lists); tried in turn
  std::string client_id = "kwire";
  std::chrono::milliseconds request_timeout{30000};           // request.timeout.ms
  std::chrono::milliseconds connection_setup_timeout{10000};  // socket.connection.setup.timeout.ms
  std::chrono::milliseconds reconnect_backoff{50};            // reconnect.backoff.ms
  std::chrono::milliseconds reconnect_backoff_max{1000};      // reconnect.backoff.max.ms
  std::chrono::milliseconds connections_max_idle{540000};     // connections.max.idle.ms (0 = never)
  std::chrono::milliseconds metadata_max_age{300000};         // metadata.max.age.ms
  std::chrono::milliseconds metadata_refresh_backoff{100};    // retry.backoff.ms for metadata
  std::size_t max_response_bytes = 100 * 1024 * 1024;         // larger length prefixes close the connection
  // SO_SNDBUF / SO_RCVBUF of each broker socket (send.buffer.bytes,
  // receive.buffer.bytes); -1 leaves the OS's size, which Linux tunes itself.
  int send_buffer_bytes = -1;
  int receive_buffer_bytes = -1;
  // kwire-internal (tests, conformance tools): also negotiate the versions
  // Kafka's specs mark unstable. Off for every client: see ApiVersionTable::pick.
  bool allow_unstable_versions = false;
  // Rewrites advertised "host:port" (from Metadata) to another "host:port",
  // for tunnels, proxies and tests. Keys and values are exact strings.
  std::map<std::string, std::string> broker_address_map;
  SecurityConfig security;
  LogHook log;
};

// Splits "host:port" ("[v6]:port" too). False when the port is missing or bad.
bool parse_host_port(const std::string& text, std::string& host, std::uint16_t& port);

// "host" and "[v6 address]" get Kafka's default port 9092, as the Java client
// and librdkafka give them; anything else is returned unchanged, for
// parse_host_port to judge.
std::string with_default_port(const std::string& server);

}  // namespace kwire::net
