// The network thread shared by several application threads, against a peer
// that is not librdkafka's mock (tests/support/api_versions_peer), so the test
// also runs under ThreadSanitizer: tools/run-tsan.sh runs "[thread]~[mock]".
// Application threads hand requests over with co_spawn on the network
// executor and read the pool's counters while it works; every request is
// answered once, on the network thread, over one shared connection.
#include <catch2/catch.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>

#include <atomic>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "api_versions_peer.hpp"
#include "kwire/net/connection_pool.hpp"
#include "kwire/net/network_thread.hpp"
#include "net_test_util.hpp"

using namespace std::chrono_literals;
using kwire::net::ConnectionPool;
using kwire::net::kFirstBootstrapId;

namespace {

struct ThreadOutcome {
  int succeeded = 0;
  int failed = 0;
  bool all_on_network_thread = true;
};

// The pool belongs to the network thread: shut it down and let it go there,
// then stop the thread.
void shut_down_there(kwire::net::NetworkThread& network, std::shared_ptr<ConnectionPool> pool) {
  std::promise<void> released;
  network.post([p = std::move(pool), &released]() mutable {
    p->shutdown();
    p.reset();
    released.set_value();
  });
  REQUIRE(released.get_future().wait_for(10s) == std::future_status::ready);
  network.stop();
}

}  // namespace

TEST_CASE("thread: application threads share one pool on the network thread", "[net][thread]") {
  constexpr int kThreads = 4;
  constexpr int kRequestsPerThread = 50;
  kwire::test::ApiVersionsPeer peer;
  kwire::net::NetworkThread network;
  kwire::net::NetConfig config = *kwire::test::test_config();
  config.bootstrap_servers = {peer.bootstrap()};
  auto pool = ConnectionPool::create(network.executor(), config);
  auto counters = pool->counters();

  std::vector<std::promise<ThreadOutcome>> outcomes(kThreads);
  std::vector<std::thread> threads;
  std::atomic<bool> reading{true};
  bool counters_monotonic = true;  // Catch2's assertions are not thread-safe: checked after join
  // A reader of the counters while the network thread writes them.
  std::thread counter_reader([&] {
    std::uint64_t last = 0;
    while (reading.load()) {
      auto now = counters->snapshot().responses_received;
      counters_monotonic = counters_monotonic && now >= last;
      last = now;
      std::this_thread::yield();
    }
  });
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      asio::co_spawn(
          network.executor(),
          [&, t]() -> asio::awaitable<void> {
            ThreadOutcome out;
            for (int i = 0; i < kRequestsPerThread; ++i) {
              auto [ec, conn] = co_await pool->connection(kFirstBootstrapId);
              if (!ec) ec = (co_await conn->send_frame(kwire::test::api_versions_v0(*conn), true)).first;
              ++(ec ? out.failed : out.succeeded);
              out.all_on_network_thread = out.all_on_network_thread && network.in_network_thread();
            }
            outcomes[static_cast<std::size_t>(t)].set_value(out);
          },
          asio::detached);
    });
  }
  for (auto& th : threads) th.join();
  int succeeded = 0;
  for (auto& o : outcomes) {
    auto future = o.get_future();
    REQUIRE(future.wait_for(20s) == std::future_status::ready);
    ThreadOutcome out = future.get();
    CHECK(out.failed == 0);
    CHECK(out.all_on_network_thread);
    succeeded += out.succeeded;
  }
  reading = false;
  counter_reader.join();
  CHECK(counters_monotonic);
  CHECK(succeeded == kThreads * kRequestsPerThread);
  // Negotiation adds its own ApiVersions exchange(s) on the one connection.
  CHECK(peer.requests_answered() >= kThreads * kRequestsPerThread);
  CHECK(peer.connections() == 1);
  CHECK(counters->snapshot().responses_received >= static_cast<std::uint64_t>(kThreads * kRequestsPerThread));

  shut_down_there(network, std::move(pool));
}

TEST_CASE("thread: a peer that goes away fails the next request handed to the network thread", "[net][thread]") {
  kwire::net::NetworkThread network;
  auto peer = std::make_unique<kwire::test::ApiVersionsPeer>();
  kwire::net::NetConfig config = *kwire::test::test_config();
  config.bootstrap_servers = {peer->bootstrap()};
  config.reconnect_backoff = 10ms;
  config.reconnect_backoff_max = 50ms;
  auto pool = ConnectionPool::create(network.executor(), config);

  auto ping = [&]() {
    std::promise<std::error_code> done;
    asio::co_spawn(
        network.executor(),
        [&]() -> asio::awaitable<void> {
          auto [ec, conn] = co_await pool->connection(kFirstBootstrapId);
          if (!ec) ec = (co_await conn->send_frame(kwire::test::api_versions_v0(*conn), true)).first;
          done.set_value(ec);
        },
        asio::detached);
    auto f = done.get_future();
    REQUIRE(f.wait_for(20s) == std::future_status::ready);
    return f.get();
  };
  CHECK_FALSE(ping());
  // The peer goes away (its thread stops and its sockets close) while the
  // pool's reader waits on the network thread.
  peer.reset();
  CHECK(ping());  // nobody listens on that port any more
  shut_down_there(network, std::move(pool));
}
