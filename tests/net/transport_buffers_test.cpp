// Transport::connect applies send.buffer.bytes / receive.buffer.bytes to the
// socket (SO_SNDBUF / SO_RCVBUF), and leaves the OS's sizes when none is set.
// The fault suite relies on it: a small send buffer is how it stalls the
// producer's writes behind a broker that stops reading.
#include <catch2/catch.hpp>

#include <asio/ip/tcp.hpp>

#include "kwire/net/transport.hpp"
#include "net_test_util.hpp"

using kwire::net::Transport;
using kwire::test::run_coroutine;

namespace {

struct Sizes {
  int send = 0;
  int receive = 0;
};

Sizes connect_and_read_sizes(kwire::net::SocketBufferSizes asked) {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  Transport transport(io.get_executor());
  auto ec = run_coroutine(io, transport.connect("127.0.0.1", acceptor.local_endpoint().port(), asked));
  REQUIRE_FALSE(ec);
  asio::socket_base::send_buffer_size send;
  asio::socket_base::receive_buffer_size receive;
  transport.socket().get_option(send);
  transport.socket().get_option(receive);
  return {send.value(), receive.value()};
}

}  // namespace

TEST_CASE("transport: the socket buffer sizes asked for are set on the connected socket", "[net][transport]") {
  const Sizes os = connect_and_read_sizes({});
  // Far below any OS's default, so that leaving the default would show.
  const kwire::net::SocketBufferSizes small{4096, 4096};
  REQUIRE(os.send > 2 * small.send);
  REQUIRE(os.receive > 2 * small.receive);
  const Sizes got = connect_and_read_sizes(small);
  // Linux reports twice the size set (it counts its bookkeeping too).
  CHECK(got.send >= small.send);
  CHECK(got.send <= 2 * small.send);
  CHECK(got.receive >= small.receive);
  CHECK(got.receive <= 2 * small.receive);
}
