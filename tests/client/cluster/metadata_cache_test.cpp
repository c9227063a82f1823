// MetadataCache (client/src/cluster) against librdkafka's mock cluster:
// bootstrap, partition counts and leaders, a leader move picked up by a
// refresh, periodic refresh, refresh on a lost connection, the bounded
// wait for a topic the cluster does not have, and the first request for a new
// topic sent without waiting out the refresh backoff (coalesced, once).
#include <catch2/catch.hpp>

#include <optional>

#include "cluster/metadata_cache.hpp"
#include "kwire/protocol/errors.hpp"
#include "mock_cluster.hpp"
#include "../../net/net_test_util.hpp"  // run_coroutine, drain, test_config

using namespace std::chrono_literals;
using kwire::detail::MetadataCache;
using kwire::net::ConnectionPool;
using kwire::test::MockCluster;
using kwire::test::run_coroutine;

namespace {

struct Fixture {
  explicit Fixture(int brokers, std::chrono::milliseconds max_age = 300000ms,
                   std::chrono::milliseconds refresh_backoff = 20ms)
      : cluster(brokers) {
    cluster.create_topic("orders", 4, std::min(brokers, 3));
    cluster.create_topic("payments", 2, std::min(brokers, 3));
    kwire::net::NetConfig config = *kwire::test::test_config();
    config.bootstrap_servers = {cluster.bootstrap()};
    config.metadata_max_age = max_age;
    config.metadata_refresh_backoff = refresh_backoff;
    pool = ConnectionPool::create(io.get_executor(), config);
    cache = MetadataCache::create(pool);
    cache->start();
  }
  ~Fixture() {
    cache->stop();
    pool->shutdown();
    kwire::test::drain(io);
  }
  template <typename Predicate>
  bool run_until(Predicate done, std::chrono::seconds limit = 20s) {
    io.restart();
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) io.run_one_for(20ms);
    return done();
  }

  MockCluster cluster;
  asio::io_context io;
  std::shared_ptr<ConnectionPool> pool;
  std::shared_ptr<MetadataCache> cache;
};

}  // namespace

TEST_CASE("metadata cache learns brokers, partitions and leaders from bootstrap", "[net][mock][metadata]") {
  Fixture f(3);
  auto wait_error = run_coroutine(f.io, f.cache->wait_for_topic("orders", 10s));
  INFO(wait_error.message());
  REQUIRE(!wait_error);
  CHECK(f.cache->partition_count("orders") == 4);
  CHECK(f.cache->brokers().size() == 3);
  auto known = f.pool->known_brokers();
  CHECK(known.size() == 3);
  for (std::int32_t p = 0; p < 4; ++p) {
    auto leader = f.cache->leader("orders", p);
    REQUIRE(leader);
    CHECK(std::find(known.begin(), known.end(), *leader) != known.end());
  }
  CHECK(!f.cache->leader("orders", 4));
  // The leader's connection comes from the pool.
  auto [ec, conn] = run_coroutine(f.io, f.cache->leader_connection("orders", 0));
  REQUIRE(!ec);
  CHECK(conn->broker_id() == *f.cache->leader("orders", 0));
}

TEST_CASE("a leader move is picked up by the refresh that NOT_LEADER_OR_FOLLOWER triggers", "[net][mock][metadata]") {
  Fixture f(3);
  REQUIRE(!run_coroutine(f.io, f.cache->wait_for_topic("orders", 10s)));
  const auto old_leader = *f.cache->leader("orders", 1);
  const std::int32_t new_leader = old_leader % 3 + 1;
  f.cluster.set_leader("orders", 1, new_leader);
  const auto generation = f.cache->generation();
  CHECK(f.cache->on_error(kwire::protocol::kafka_errc::not_leader_or_follower));
  REQUIRE(f.run_until([&] { return f.cache->generation() > generation; }));
  CHECK(f.cache->leader("orders", 1) == new_leader);
  // An error that says nothing about metadata does not refresh.
  CHECK(!f.cache->on_error(kwire::protocol::kafka_errc::invalid_required_acks));
}

TEST_CASE("metadata is refreshed every metadata.max.age.ms", "[net][mock][metadata]") {
  Fixture f(1, 100ms);
  REQUIRE(!run_coroutine(f.io, f.cache->wait_for_topic("orders", 10s)));
  const auto generation = f.cache->generation();
  REQUIRE(f.run_until([&] { return f.cache->generation() >= generation + 3; }));
}

TEST_CASE("losing a connection triggers a metadata refresh", "[net][mock][metadata]") {
  Fixture f(1);
  REQUIRE(!run_coroutine(f.io, f.cache->wait_for_topic("orders", 10s)));
  const auto generation = f.cache->generation();
  auto [ec, conn] = run_coroutine(f.io, f.cache->broker_connection(1));
  REQUIRE(!ec);
  f.cluster.broker_down(1);
  f.cluster.broker_up(1);
  // The refresh may first fail while the broker restarts; it retries.
  REQUIRE(f.run_until([&, conn = conn] { return conn->closed() && f.cache->generation() > generation; }));
}

TEST_CASE("waiting for a topic the cluster does not have ends with its error after the timeout", "[net][mock][metadata]") {
  Fixture f(1);
  f.cluster.set_topic_error("missing", static_cast<std::int16_t>(kwire::protocol::kafka_errc::unknown_topic_or_partition));
  auto started = std::chrono::steady_clock::now();
  auto ec = run_coroutine(f.io, f.cache->wait_for_topic("missing", 300ms));
  CHECK(ec == kwire::protocol::kafka_errc::unknown_topic_or_partition);
  CHECK(std::chrono::steady_clock::now() - started >= 300ms);
  CHECK(!f.cache->partition_count("missing"));
}

// The refresh backoff below is an hour: a wait that depended on it would end
// in request_timed_out instead. generation() counts the Metadata responses
// applied, so these tests also count the requests.
TEST_CASE("a topic wanted while the start-up refresh is in flight is fetched right after it", "[net][mock][metadata]") {
  Fixture f(1, 300000ms, 3600s);
  auto ec = run_coroutine(f.io, f.cache->wait_for_topic("orders", 20s));
  INFO(ec.message());
  REQUIRE(!ec);
  CHECK(f.cache->partition_count("orders") == 4);
  CHECK(f.cache->generation() == 2);  // the start-up refresh (no topics), then one for "orders"
}

TEST_CASE("a new topic is fetched at once after a refresh, and new topics wanted together share one request", "[net][mock][metadata]") {
  std::optional<std::error_code> orders, payments;  // outlive the fixture's final drain
  Fixture f(1, 300000ms, 3600s);
  REQUIRE(f.run_until([&] { return f.cache->generation() == 1; }));
  // Two callers miss two different topics before the io thread runs again.
  auto wait = [&](const char* topic, std::optional<std::error_code>& out) {
    asio::co_spawn(f.io, f.cache->wait_for_topic(topic, 20s), [&out](std::exception_ptr e, std::error_code ec) {
      REQUIRE(!e);
      out = ec;
    });
  };
  wait("orders", orders);
  wait("payments", payments);
  REQUIRE(f.run_until([&] { return orders && payments; }));
  CHECK(!*orders);
  CHECK(!*payments);
  CHECK(f.cache->partition_count("orders") == 4);
  CHECK(f.cache->partition_count("payments") == 2);
  CHECK(f.cache->generation() == 2);
}

TEST_CASE("a topic the cluster does not have is asked for once at once, then only after the backoff", "[net][mock][metadata]") {
  Fixture f(1, 300000ms, 3600s);
  f.cluster.set_topic_error("missing", static_cast<std::int16_t>(kwire::protocol::kafka_errc::unknown_topic_or_partition));
  REQUIRE(f.run_until([&] { return f.cache->generation() == 1; }));
  auto ec = run_coroutine(f.io, f.cache->wait_for_topic("missing", 300ms));
  CHECK(ec == kwire::protocol::kafka_errc::unknown_topic_or_partition);
  CHECK(f.cache->generation() == 2);  // no retry inside the backoff, however often the waiter asks
}
