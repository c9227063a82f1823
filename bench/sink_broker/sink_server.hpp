// The sink broker's sockets: one listening port per pretend broker, one
// thread per client connection (plus a writer thread when responses are
// delayed, so pipelined requests stay pipelined). TCP_NODELAY is set on every
// connection, so latency measured against the sink measures the client.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sink_state.hpp"

namespace kwire::bench {

// Binds `count` listening sockets on host (port 0 = any free port); returns
// their fds and fills ports. Empty on failure, with `error` set.
std::vector<int> bind_listeners(const std::string& host, int count, std::vector<std::int32_t>& ports,
                                std::string& error);

// Accepts connections on every listener forever, on background threads.
void serve_forever(const std::vector<int>& listeners, SinkState& state);

}  // namespace kwire::bench
