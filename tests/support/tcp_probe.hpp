// Looking at a TCP socket of this process through the kernel (Linux), for
// tests about what a connection puts on the wire without a capture: which
// socket is connected to a port, how many segments it has sent (pure ACKs
// included), and putting it in delayed-ACK mode. Its own file: the kernel's
// <linux/tcp.h>, the only header with tcpi_segs_out, clashes with libc's
// <netinet/tcp.h>, which Asio includes. Elsewhere than Linux every call fails.
#pragma once

#include <cstdint>
#include <optional>

namespace kwire::test {

// A socket of this process connected to 127.0.0.1:port; -1 if there is none.
int tcp_socket_connected_to(std::uint16_t port);
// Segments the socket has sent so far, pure ACKs included.
std::optional<std::uint32_t> tcp_segments_sent(int fd);
// TCP_QUICKACK 0: the ACK of a small answer then waits for the delayed-ACK
// timer (40 ms or more) unless the reader sends it, as on a connection that
// has been trading requests and answers for a while. False if refused.
bool tcp_delay_acks(int fd);

}  // namespace kwire::test
