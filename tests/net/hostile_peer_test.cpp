// BrokerConnection against a hostile peer (tests/support/hostile_peer): a
// giant or negative length prefix, a frame too short for a header, half a
// frame then close, a wrong correlation id, garbage bytes and silence. Each
// ends the request with a clear error and the connection closed (the peer
// sees our close), never a crash, a hang or a huge allocation.
#include <catch2/catch.hpp>

#include "hostile_peer.hpp"
#include "kwire/net/broker_connection.hpp"
#include "net_test_util.hpp"

using namespace std::chrono_literals;
using namespace kwire::net;
using kwire::test::HostileFault;
using kwire::test::HostilePeer;
using kwire::test::run_coroutine;

namespace {

OutgoingFrame metadata_v0(BrokerConnection& conn) {
  auto frame = conn.begin_request(3, 0, false);
  frame.writer.i32(0);  // no topics listed
  finish_request(frame);
  return frame;
}

}  // namespace

TEST_CASE("hostile peer: every fault after negotiation fails the request and closes the connection", "[net][hostile]") {
  struct Case {
    HostileFault fault;
    std::error_code expected;  // empty: any error will do
  };
  auto c = GENERATE(Case{HostileFault::giant_length_prefix, net_errc::response_too_large},
                    Case{HostileFault::negative_length_prefix, {}},
                    Case{HostileFault::short_frame, net_errc::malformed_frame},
                    Case{HostileFault::half_frame_then_close, net_errc::connection_closed},
                    Case{HostileFault::wrong_correlation_id, net_errc::unexpected_correlation_id},
                    Case{HostileFault::garbage_bytes, {}});
  HostilePeer peer(c.fault);
  asio::io_context io;
  auto config = kwire::test::test_config();
  config->max_response_bytes = 1024 * 1024;
  auto conn = BrokerConnection::create(io.get_executor(), config, nullptr, 1, "127.0.0.1", peer.port());
  REQUIRE_FALSE(run_coroutine(io, conn->open()));
  auto [ec, raw] = run_coroutine(io, conn->send_frame(metadata_v0(*conn), true), 20s);
  INFO("fault " << static_cast<int>(c.fault) << ": " << ec.message());
  REQUIRE(ec);
  CHECK(ec.category() == net_category());
  if (c.expected) CHECK(ec == c.expected);
  CHECK_FALSE(raw.frame);
  CHECK(conn->closed());
  CHECK(peer.faults_sent() == 1);
  kwire::test::drain(io);
  CHECK(peer.wait_for_client_close(10s));
}

TEST_CASE("hostile peer: a fault in the ApiVersions answer fails the connect", "[net][hostile]") {
  auto fault = GENERATE(HostileFault::giant_length_prefix, HostileFault::short_frame,
                        HostileFault::half_frame_then_close, HostileFault::wrong_correlation_id,
                        HostileFault::garbage_bytes);
  HostilePeer peer(fault, true);
  asio::io_context io;
  auto config = kwire::test::test_config();
  config->max_response_bytes = 1024 * 1024;
  auto conn = BrokerConnection::create(io.get_executor(), config, nullptr, 1, "127.0.0.1", peer.port());
  auto ec = run_coroutine(io, conn->open(), 20s);
  INFO("fault " << static_cast<int>(fault) << ": " << ec.message() << " / " << conn->failure_detail());
  CHECK(ec);
  CHECK(conn->closed());
  kwire::test::drain(io);
  CHECK(peer.wait_for_client_close(10s));
}

TEST_CASE("hostile peer: silence ends in a request timeout, not a hang", "[net][hostile]") {
  HostilePeer peer(HostileFault::silence);
  asio::io_context io;
  auto conn = BrokerConnection::create(io.get_executor(), kwire::test::test_config(), nullptr, 1, "127.0.0.1", peer.port());
  REQUIRE_FALSE(run_coroutine(io, conn->open()));
  SendOptions options;
  options.timeout = 300ms;
  auto [ec, raw] = run_coroutine(io, conn->send_frame(metadata_v0(*conn), true, options), 20s);
  CHECK(ec == net_errc::request_timed_out);
  conn->close();
  kwire::test::drain(io);
  CHECK(peer.wait_for_client_close(10s));
}
