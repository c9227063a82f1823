// A ConnectionPool's per-broker slot (its connection, reconnect backoff and
// the callers waiting for it) and a waiting caller: private to the pool's
// source. Io_context thread only, like the pool.
#pragma once

#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <system_error>

#include "kwire/net/connection_pool.hpp"

namespace kwire::net {

// A caller of connect_slot waiting for its turn.
struct ConnectionPool::Waiter {
  explicit Waiter(const asio::any_io_executor& executor) : wake(executor, std::chrono::steady_clock::time_point::max()) {}
  asio::steady_timer wake;  // cancelled to wake the caller
  bool woken = false;       // set before wake is cancelled, so a wake-up before the wait is not lost
  std::error_code failure;  // the connect attempt it waited for failed
};

struct ConnectionPool::Slot {
  Slot(asio::any_io_executor executor, std::int32_t broker_id, std::string h, std::uint16_t p,
       const NetConfig& config, std::uint64_t seed)
      : id(broker_id),
        host(std::move(h)),
        port(p),
        backoff(config.reconnect_backoff, config.reconnect_backoff_max, seed),
        backoff_wait(executor, std::chrono::steady_clock::time_point::max()) {}

  bool usable() const noexcept { return conn && conn->ready(); }

  std::int32_t id;
  std::string host;
  std::uint16_t port;
  std::shared_ptr<BrokerConnection> conn;  // usable, or being set up
  bool connecting = false;                 // open() in progress
  bool connector_running = false;          // run_connector is waiting out the backoff or connecting
  bool removed = false;
  bool ever_connected = false;
  std::error_code last_error;
  ReconnectBackoff backoff;
  std::chrono::steady_clock::time_point next_attempt{};
  asio::steady_timer backoff_wait;  // run_connector sleeps out the backoff on it
  // Callers waiting for a usable connection, in call order. They are woken
  // one at a time, each after the one before it has queued its request on
  // the new connection, so requests reach the broker in call order.
  std::deque<std::shared_ptr<Waiter>> waiters;
};

}  // namespace kwire::net
