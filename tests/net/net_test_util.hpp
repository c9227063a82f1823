// Helpers for net tests: run one coroutine, or the context until a condition
// holds, on an io_context (with a hard limit so a bug fails the test instead
// of hanging it), and hand-made request frames for tests that need no
// generated message.
#pragma once

// A standard header before Asio's: Asio picks its aligned allocator from
// libstdc++'s configuration macros, and every translation unit must agree.
#include <cstddef>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <exception>
#include <memory>
#include <optional>

#include "kwire/net/broker_connection.hpp"

namespace kwire::test {

template <typename T>
T run_coroutine(asio::io_context& io, asio::awaitable<T> coroutine,
                std::chrono::seconds limit = std::chrono::seconds(30)) {
  std::optional<T> result;
  std::exception_ptr failure;
  bool done = false;
  asio::co_spawn(io, std::move(coroutine), [&](std::exception_ptr e, T value) {
    failure = e;
    result = std::move(value);
    done = true;
  });
  const auto deadline = std::chrono::steady_clock::now() + limit;
  io.restart();
  while (!done && std::chrono::steady_clock::now() < deadline) io.run_one_for(std::chrono::milliseconds(50));
  REQUIRE(done);
  if (failure) std::rethrow_exception(failure);
  return std::move(*result);
}

inline void run_coroutine(asio::io_context& io, asio::awaitable<void> coroutine,
                          std::chrono::seconds limit = std::chrono::seconds(30)) {
  run_coroutine(io, [](asio::awaitable<void> c) -> asio::awaitable<int> {
    co_await std::move(c);
    co_return 0;
  }(std::move(coroutine)), limit);
}

// Runs `io` until `done()` holds or `limit` passes; returns done().
template <typename Predicate>
bool run_until(asio::io_context& io, Predicate done, std::chrono::seconds limit = std::chrono::seconds(30)) {
  io.restart();
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) io.run_one_for(std::chrono::milliseconds(20));
  return done();
}

// After close()/shutdown(): runs the io_context until the connections'
// reader/writer coroutines and timers have finished (run_for returns as soon
// as no work is left), so nothing outlives the objects it uses.
inline void drain(asio::io_context& io) {
  io.restart();
  io.run_for(std::chrono::seconds(5));
}

// An ApiVersions v0 request (empty body): every broker answers it at once.
inline net::OutgoingFrame api_versions_v0(net::BrokerConnection& conn) {
  auto frame = conn.begin_request(net::kApiVersionsKey, 0, false);
  net::finish_request(frame);
  return frame;
}

inline std::shared_ptr<net::NetConfig> test_config() {
  auto config = std::make_shared<net::NetConfig>();
  config->client_id = "kwire-test";
  config->request_timeout = std::chrono::seconds(10);
  config->connection_setup_timeout = std::chrono::seconds(10);
  return config;
}

}  // namespace kwire::test
