// A connection that reads an answer while more answers are awaited
// acknowledges it at once (issue 15). A peer with Nagle's algorithm on
// (librdkafka's mock cluster) holds its next small answer back until the
// previous one is acknowledged, and Linux delays the ACK of a small read by
// 40 ms or more: that made a producer's first delivery report 45-50 ms late
// on the mock. Checked without a clock: the client socket's count of
// segments sent (TCP_INFO) must grow when the answer is read, with nothing
// else written. The socket is first put in delayed-ACK mode (TCP_QUICKACK 0,
// where a connection trading requests and answers settles), so without the
// immediate ACK the count would stay put until the delayed-ACK timer.
#include <catch2/catch.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>

#include "api_versions_peer.hpp"
#include "kwire/net/broker_connection.hpp"
#include "net_test_util.hpp"
#include "tcp_probe.hpp"

namespace kwire::test::prompt_ack {

// Sends a request and notes when its answer came (and how).
asio::awaitable<void> send_noting(std::shared_ptr<net::BrokerConnection> conn, net::OutgoingFrame frame, bool& done,
                                  std::error_code& error) {
  auto [ec, raw] = co_await conn->send_frame(std::move(frame), true);
  error = ec;
  done = true;
}

TEST_CASE("an answer read while another is awaited is acknowledged at once, not after the delayed-ACK timer",
          "[net][ack]") {
  ApiVersionsPeer peer;
  asio::io_context io;
  auto conn = net::BrokerConnection::create(io.get_executor(), test_config(), nullptr, 1, "127.0.0.1", peer.port());
  REQUIRE(!run_coroutine(io, conn->open()));
  const int fd = tcp_socket_connected_to(peer.port());
  REQUIRE(fd >= 0);
  REQUIRE(tcp_segments_sent(fd));  // Linux 4.2 or later

  // Two requests in one write; the peer reads both and answers neither yet.
  peer.hold_answers();
  const int read_before = peer.requests_read();
  bool first_done = false, second_done = false;
  std::error_code first_error, second_error;
  asio::co_spawn(io, send_noting(conn, api_versions_v0(*conn), first_done, first_error), asio::detached);
  asio::co_spawn(io, send_noting(conn, api_versions_v0(*conn), second_done, second_error), asio::detached);
  REQUIRE(run_until(io, [&] { return peer.requests_read() == read_before + 2; }));

  REQUIRE(tcp_delay_acks(fd));
  const std::uint32_t sent_before = *tcp_segments_sent(fd);
  peer.release_answers(1);
  REQUIRE(run_until(io, [&] { return first_done; }));
  CHECK(!first_error);
  // The client wrote nothing since: one more segment is the ACK of the answer.
  CHECK(*tcp_segments_sent(fd) > sent_before);
  CHECK(!second_done);

  peer.release_answers(1);
  REQUIRE(run_until(io, [&] { return second_done; }));
  CHECK(!second_error);
  conn->close();
  drain(io);
}

}  // namespace kwire::test::prompt_ack
