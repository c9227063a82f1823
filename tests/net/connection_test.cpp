// BrokerConnection against librdkafka's mock cluster: the KIP-511 ApiVersions
// fallback, pipelining with in-order matching, per-request timeouts with the
// mock's RTT injection, cancellation, the response size cap, and requests in
// flight when the broker goes down.
#include <catch2/catch.hpp>

#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <vector>

#include "kwire/net/broker_connection.hpp"
#include "kwire/protocol/wire/reader.hpp"
#include "mock_cluster.hpp"
#include "net_test_util.hpp"

using namespace std::chrono_literals;
using kwire::net::BrokerConnection;
using kwire::net::net_errc;
using kwire::test::MockCluster;
using kwire::test::run_coroutine;

namespace {

std::shared_ptr<BrokerConnection> connect(asio::io_context& io, MockCluster& cluster,
                                          std::shared_ptr<kwire::net::NetConfig> config = kwire::test::test_config()) {
  auto conn = BrokerConnection::create(io.get_executor(), config, nullptr, 1, cluster.first_host(),
                                       cluster.first_port());
  auto ec = run_coroutine(io, conn->open());
  INFO(ec.message() << " / " << conn->failure_detail());
  REQUIRE(!ec);
  REQUIRE(conn->ready());
  return conn;
}

// Decodes the error code of an ApiVersions v0 answer.
std::int16_t api_versions_error(const kwire::net::RawResponse& raw) {
  kwire::protocol::Reader r(kwire::protocol::Bytes(*raw.frame).subspan(raw.body_offset));
  return r.i16();
}

}  // namespace

TEST_CASE("connection falls back from ApiVersions v3 to v0 on the mock and learns its ranges", "[net][mock]") {
  MockCluster cluster(1);
  cluster.set_api_version(3 /* Metadata */, 0, 1);
  asio::io_context io;
  auto conn = connect(io, cluster);
  // The mock answers v3 with UNSUPPORTED_VERSION: only the fallback gets here.
  CHECK(conn->api_versions_version() == 0);
  auto metadata = conn->api_versions().broker_range(3);
  REQUIRE(metadata);
  CHECK(metadata->min_version == 0);
  CHECK(metadata->max_version == 1);

  std::int16_t version = -1;
  CHECK(!conn->select_version(3, 0, 12, std::nullopt, version));
  CHECK(version == 1);
  CHECK(conn->select_version(3, 4, 12, std::nullopt, version) == net_errc::no_common_version);
  CHECK(conn->select_version(9999, 0, 1, std::nullopt, version) == net_errc::unsupported_api);
  conn->close();
  kwire::test::drain(io);
}

TEST_CASE("many pipelined requests on one connection are answered in order", "[net][mock]") {
  MockCluster cluster(1);
  asio::io_context io;
  auto conn = connect(io, cluster);
  constexpr int kRequests = 300;
  int answered = 0;
  std::vector<std::int32_t> sent_ids, answered_ids;
  auto one = [&](std::int32_t& id_out) -> asio::awaitable<void> {
    auto frame = kwire::test::api_versions_v0(*conn);
    id_out = frame.correlation_id;
    auto [ec, raw] = co_await conn->send_frame(std::move(frame), true);
    REQUIRE(!ec);
    kwire::protocol::Reader header(*raw.frame);
    answered_ids.push_back(header.i32());
    CHECK(api_versions_error(raw) == 0);
    ++answered;
  };
  sent_ids.resize(kRequests);
  for (int i = 0; i < kRequests; ++i) asio::co_spawn(io, one(sent_ids[static_cast<std::size_t>(i)]), asio::detached);
  // All are queued before any is written, so many share the socket at once.
  io.restart();
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (answered < kRequests && std::chrono::steady_clock::now() < deadline) io.run_one_for(50ms);
  REQUIRE(answered == kRequests);
  CHECK(answered_ids == sent_ids);
  conn->close();
  kwire::test::drain(io);
}

TEST_CASE("a request slower than its timeout fails, and the connection keeps working", "[net][mock][timeout]") {
  MockCluster cluster(1);
  asio::io_context io;
  auto conn = connect(io, cluster);
  cluster.set_rtt(1, 400ms);
  auto [slow_ec, slow] = run_coroutine(io, conn->send_frame(kwire::test::api_versions_v0(*conn), true, {{}, 100ms}));
  CHECK(slow_ec == net_errc::request_timed_out);
  // The late answer to the first request must be dropped, not matched to this one.
  auto [ok_ec, ok] = run_coroutine(io, conn->send_frame(kwire::test::api_versions_v0(*conn), true, {{}, 5000ms}));
  REQUIRE(!ok_ec);
  CHECK(api_versions_error(ok) == 0);
  CHECK(conn->ready());
  conn->close();
  kwire::test::drain(io);
}

TEST_CASE("a request cancelled after its write completes at once with 'cancelled_in_flight'", "[net][mock]") {
  using namespace asio::experimental::awaitable_operators;
  MockCluster cluster(1);
  asio::io_context io;
  auto conn = connect(io, cluster);
  cluster.set_rtt(1, 2000ms);
  std::error_code send_error;
  auto send = [&]() -> asio::awaitable<void> {
    auto [ec, raw] = co_await conn->send_frame(kwire::test::api_versions_v0(*conn), true, {{}, 10000ms});
    send_error = ec;
  };
  auto timer_fires = [&]() -> asio::awaitable<void> {
    asio::steady_timer timer(io, 50ms);
    co_await timer.async_wait(asio::use_awaitable);
  };
  auto race = [&]() -> asio::awaitable<std::size_t> {
    auto winner = co_await (send() || timer_fires());
    co_return winner.index();
  };
  auto started = std::chrono::steady_clock::now();
  CHECK(run_coroutine(io, race()) == 1);
  CHECK(send_error == net_errc::cancelled_in_flight);  // written: the broker may act on it
  CHECK(std::chrono::steady_clock::now() - started < 1500ms);  // did not wait for the 2 s answer
  conn->close();
  kwire::test::drain(io);
}

TEST_CASE("a response above the size cap closes the connection with a clear error", "[net][mock]") {
  MockCluster cluster(1);
  asio::io_context io;
  auto config = kwire::test::test_config();
  config->max_response_bytes = 16;  // any ApiVersions answer is larger
  auto conn = BrokerConnection::create(io.get_executor(), config, nullptr, 1, cluster.first_host(),
                                       cluster.first_port());
  auto ec = run_coroutine(io, conn->open());
  CHECK(ec == net_errc::response_too_large);
  CHECK(conn->closed());
  kwire::test::drain(io);
}

TEST_CASE("an answer to a request that needs none is dropped", "[net][mock]") {
  // Stands in for acks=0 Produce, which librdkafka's mock answers anyway.
  MockCluster cluster(1);
  asio::io_context io;
  auto conn = connect(io, cluster);
  auto [quiet_ec, quiet] = run_coroutine(io, conn->send_frame(kwire::test::api_versions_v0(*conn), false));
  CHECK(!quiet_ec);
  CHECK(quiet.frame == nullptr);
  auto [ec, raw] = run_coroutine(io, conn->send_frame(kwire::test::api_versions_v0(*conn), true));
  REQUIRE(!ec);
  kwire::protocol::Reader header(*raw.frame);
  CHECK(header.i32() != 0);
  CHECK(api_versions_error(raw) == 0);
  CHECK(conn->ready());
  conn->close();
  kwire::test::drain(io);
}

TEST_CASE("requests in flight when the broker goes down fail with a retriable error", "[net][mock]") {
  MockCluster cluster(1);
  asio::io_context io;
  auto conn = connect(io, cluster);
  cluster.set_rtt(1, 1000ms);
  constexpr int kRequests = 10;
  std::vector<std::error_code> errors;
  auto one = [&]() -> asio::awaitable<void> {
    auto [ec, raw] = co_await conn->send_frame(kwire::test::api_versions_v0(*conn), true);
    errors.push_back(ec);
  };
  for (int i = 0; i < kRequests; ++i) asio::co_spawn(io, one(), asio::detached);
  io.restart();
  io.run_for(100ms);  // let them be written
  REQUIRE(errors.empty());
  cluster.broker_down(1);
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (errors.size() < kRequests && std::chrono::steady_clock::now() < deadline) io.run_one_for(50ms);
  REQUIRE(errors.size() == kRequests);
  for (auto& ec : errors) {
    CHECK(ec == net_errc::connection_closed);
    CHECK(kwire::net::is_retriable_net_error(ec));
  }
  CHECK(conn->closed());
  kwire::test::drain(io);
}
