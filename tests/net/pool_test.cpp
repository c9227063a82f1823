// ConnectionPool against librdkafka's mock cluster: one shared connect for
// many callers, reconnect after a broker comes back, idle close, broker
// address mapping; and the backoff schedule on its own.
#include <catch2/catch.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>

#include <future>
#include <vector>

#include "kwire/net/connection_pool.hpp"
#include "kwire/net/network_thread.hpp"
#include "mock_cluster.hpp"
#include "net_test_util.hpp"

using namespace std::chrono_literals;
using kwire::net::ConnectionPool;
using kwire::net::kFirstBootstrapId;
using kwire::net::net_errc;
using kwire::test::MockCluster;
using kwire::test::run_coroutine;

using kwire::test::run_until;

namespace {

kwire::net::NetConfig pool_config(const MockCluster& cluster) {
  kwire::net::NetConfig config = *kwire::test::test_config();
  config.bootstrap_servers = {cluster.bootstrap()};
  return config;
}

// Sends an ApiVersions v0 and returns the error (proves the connection works).
asio::awaitable<std::error_code> ping(std::shared_ptr<kwire::net::BrokerConnection> conn) {
  auto [ec, raw] = co_await conn->send_frame(kwire::test::api_versions_v0(*conn), true);
  co_return ec;
}

}  // namespace

TEST_CASE("reconnect backoff doubles from reconnect.backoff.ms up to the max, with jitter", "[net][unit]") {
  kwire::net::ReconnectBackoff backoff(100ms, 1000ms, 42);
  for (int n = 0; n < 8; ++n) {
    const double nominal = std::min(100.0 * (1 << n), 1000.0);
    const auto delay = backoff.next_delay();
    CHECK(delay.count() >= static_cast<long>(nominal * 0.8) - 1);
    CHECK(delay.count() <= static_cast<long>(std::min(nominal * 1.2, 1000.0)));
  }
  backoff.reset();
  CHECK(backoff.next_delay() <= 120ms);
}

TEST_CASE("backoff jitter differs between clients", "[net][unit]") {
  std::vector<long> first;
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    kwire::net::ReconnectBackoff backoff(1000ms, 10000ms, seed);
    first.push_back(static_cast<long>(backoff.next_delay().count()));
  }
  std::sort(first.begin(), first.end());
  CHECK(std::unique(first.begin(), first.end()) - first.begin() > 1);
}

TEST_CASE("concurrent callers share one connection attempt", "[net][mock][pool]") {
  MockCluster cluster(1);
  asio::io_context io;
  auto pool = ConnectionPool::create(io.get_executor(), pool_config(cluster));
  std::vector<std::shared_ptr<kwire::net::BrokerConnection>> got;
  for (int i = 0; i < 10; ++i)
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
      auto [ec, conn] = co_await pool->connection(kFirstBootstrapId);
      if (!ec) got.push_back(conn);
    }, asio::detached);
  REQUIRE(run_until(io, [&] { return got.size() == 10; }));
  for (auto& conn : got) CHECK(conn == got.front());
  CHECK(pool->counters()->snapshot().connects == 1);
  pool->shutdown();
  kwire::test::drain(io);
}

TEST_CASE("the pool reconnects once a broker that went down is back", "[net][mock][pool]") {
  MockCluster cluster(1);
  asio::io_context io;
  auto config = pool_config(cluster);
  config.reconnect_backoff = 20ms;
  config.reconnect_backoff_max = 200ms;
  auto pool = ConnectionPool::create(io.get_executor(), config);
  std::vector<std::pair<std::int32_t, std::error_code>> lost;
  pool->set_connection_lost_handler([&](std::int32_t id, std::error_code ec) { lost.emplace_back(id, ec); });

  auto [ec, conn] = run_coroutine(io, pool->connection(kFirstBootstrapId));
  REQUIRE(!ec);
  cluster.set_rtt(1, 500ms);
  std::error_code in_flight_error;
  bool answered = false;
  auto pinged = conn;  // clang 14 cannot capture a structured binding
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    in_flight_error = co_await ping(pinged);
    answered = true;
  }, asio::detached);
  io.restart();
  io.run_for(50ms);
  cluster.broker_down(1);
  REQUIRE(run_until(io, [&] { return answered; }));
  CHECK(in_flight_error == net_errc::connection_closed);
  CHECK(kwire::net::is_retriable_net_error(in_flight_error));
  REQUIRE(lost.size() == 1);
  CHECK(lost[0].first == kFirstBootstrapId);

  // While it is down, connecting fails with a retriable error.
  auto [down_ec, down_conn] = run_coroutine(io, pool->connection(kFirstBootstrapId));
  CHECK(down_ec);
  CHECK(down_conn == nullptr);

  cluster.set_rtt(1, 0ms);
  cluster.broker_up(1);
  std::error_code after;
  REQUIRE(run_until(io, [&] {
    auto [e, c] = run_coroutine(io, pool->connection(kFirstBootstrapId));
    after = e ? e : run_coroutine(io, ping(c));
    return !after;
  }));
  auto counters = pool->counters()->snapshot();
  CHECK(counters.reconnects == 1);
  CHECK(counters.disconnects == 1);
  CHECK(counters.connect_failures >= 1);
  pool->shutdown();
  kwire::test::drain(io);
}

TEST_CASE("idle connections are closed after connections.max.idle.ms", "[net][mock][pool]") {
  MockCluster cluster(1);
  asio::io_context io;
  auto config = pool_config(cluster);
  config.connections_max_idle = 150ms;
  auto pool = ConnectionPool::create(io.get_executor(), config);
  auto [ec, conn] = run_coroutine(io, pool->connection(kFirstBootstrapId));
  REQUIRE(!ec);
  REQUIRE(run_until(io, [&, conn = conn] { return conn->closed(); }, 10s));
  CHECK(conn->close_reason() == net_errc::idle_timeout);
  CHECK(pool->connected(kFirstBootstrapId) == nullptr);
  // The next use opens a fresh connection.
  auto [again_ec, again] = run_coroutine(io, pool->connection(kFirstBootstrapId));
  REQUIRE(!again_ec);
  CHECK(again != conn);
  CHECK(!run_coroutine(io, ping(again)));
  pool->shutdown();
  kwire::test::drain(io);
}

TEST_CASE("broker address mapping rewrites an advertised address", "[net][mock][pool]") {
  MockCluster cluster(1);
  asio::io_context io;
  auto config = pool_config(cluster);
  const std::string real = cluster.first_host() + ":" + std::to_string(cluster.first_port());
  config.broker_address_map["advertised.invalid:9092"] = real;
  auto pool = ConnectionPool::create(io.get_executor(), config);
  pool->set_brokers({{7, "advertised.invalid", 9092}, {8, "unmapped.invalid", 9092}});
  auto address = pool->address_of(7);
  REQUIRE(address);
  CHECK(address->first == cluster.first_host());
  CHECK(address->second == cluster.first_port());
  auto [ec, conn] = run_coroutine(io, pool->connection(7));
  REQUIRE(!ec);
  CHECK(!run_coroutine(io, ping(conn)));
  // Without a mapping the advertised name is used (and does not resolve).
  auto [bad_ec, bad] = run_coroutine(io, pool->connection(8));
  CHECK(bad_ec == net_errc::resolve_failed);
  CHECK(run_coroutine(io, pool->connection(99)).first == net_errc::unknown_broker);
  pool->shutdown();
  kwire::test::drain(io);
}

TEST_CASE("the network thread runs posted work and a pool on its own thread", "[net][mock][thread]") {
  MockCluster cluster(1);
  std::promise<std::pair<bool, std::error_code>> outcome;
  {
    kwire::net::NetworkThread network;
    auto pool = ConnectionPool::create(network.executor(), pool_config(cluster));
    asio::co_spawn(network.executor(), [&]() -> asio::awaitable<void> {
      auto [ec, conn] = co_await pool->connection(kFirstBootstrapId);
      if (!ec) ec = co_await ping(conn);
      pool->shutdown();
      outcome.set_value({network.in_network_thread(), ec});
    }, asio::detached);
    auto future = outcome.get_future();
    REQUIRE(future.wait_for(20s) == std::future_status::ready);
    auto [on_network_thread, ec] = future.get();
    CHECK(on_network_thread);
    CHECK(!ec);
    CHECK(!network.in_network_thread());
    // The pool belongs to the network thread: let it go there.
    network.post([p = std::move(pool)]() mutable { p.reset(); });
    network.stop();
  }
}
