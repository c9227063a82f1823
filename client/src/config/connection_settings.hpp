// The connection pool's settings, read from a producer's or a consumer's
// configuration: both hold the same Java-named connection properties, so one
// mapping serves both and a new setting cannot reach one client and not the other.
#pragma once

#include <algorithm>
#include <chrono>

#include "config/net_security.hpp"
#include "kwire/net/config.hpp"

namespace kwire::detail {

template <class ClientConfig>
net::NetConfig connection_settings(const ClientConfig& c) {
  net::NetConfig n;
  n.bootstrap_servers = c.bootstrap_servers;
  if (!c.client_id.empty()) n.client_id = c.client_id;
  n.request_timeout = c.request_timeout;
  n.reconnect_backoff = c.reconnect_backoff;
  n.reconnect_backoff_max = c.reconnect_backoff_max;
  n.connections_max_idle = std::max(c.connections_max_idle, std::chrono::milliseconds(0));  // -1: never idle out
  n.metadata_max_age = c.metadata_max_age;
  n.metadata_refresh_backoff = c.retry_backoff;
  n.send_buffer_bytes = c.send_buffer_bytes;
  n.receive_buffer_bytes = c.receive_buffer_bytes;
  n.security = make_net_security(c.security);
  if constexpr (requires { c.log; }) n.log = c.log;  // the producer has a log hook; the consumer not yet
  return n;
}

}  // namespace kwire::detail
