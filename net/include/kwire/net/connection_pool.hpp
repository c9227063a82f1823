// The client's connections: one per broker (plus one per bootstrap server
// until the brokers are known), opened on first use, reopened after a loss
// with exponential backoff and jitter, closed after connections.max.idle.ms
// without traffic. Sends any generated request to a broker id, or to the
// least-loaded usable broker.
//
// Thread model: the pool, its connections and every coroutine below belong to
// ONE io_context thread (the client's network thread). Call every member on
// that thread (from a coroutine spawned on it, or through asio::post); the
// only exception is counters(), whose values any thread may read.
#pragma once

// A standard header before Asio's: Asio picks its aligned allocator from
// libstdc++'s configuration macros, and every translation unit must agree.
#include <cstddef>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "kwire/net/broker_connection.hpp"
#include "kwire/net/config.hpp"
#include "kwire/net/counters.hpp"
#include "kwire/net/reconnect_backoff.hpp"
#include "kwire/net/response.hpp"

namespace kwire::net {

// A broker as Metadata advertises it.
struct BrokerAddress {
  std::int32_t id = -1;
  std::string host;
  std::uint16_t port = 0;
};

// Bootstrap servers get ids below this one (-1000, -1001, ...), never a real broker id.
inline constexpr std::int32_t kFirstBootstrapId = -1000;

using ConnectionResult = std::pair<std::error_code, std::shared_ptr<BrokerConnection>>;

class ConnectionPool : public std::enable_shared_from_this<ConnectionPool> {
 public:
  static std::shared_ptr<ConnectionPool> create(asio::any_io_executor executor, NetConfig config);
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // Closes every connection (requests in flight fail with shutting_down) and
  // stops the idle sweeper. Later calls fail with shutting_down.
  void shutdown();

  // Replaces the known brokers (from a Metadata response). Advertised
  // addresses go through broker_address_map first. A broker whose address
  // changed is reconnected; one that disappeared is closed.
  void set_brokers(const std::vector<BrokerAddress>& brokers);
  std::vector<std::int32_t> known_brokers() const;
  // Host and port used for a broker id (after address mapping).
  std::optional<std::pair<std::string, std::uint16_t>> address_of(std::int32_t broker_id) const;

  // A usable (connected, negotiated, authenticated) connection to a broker,
  // connecting if needed. Waits out the reconnect backoff first. Callers
  // waiting for the same broker get the connection in call order, each one
  // resumed only after the one before it has queued its request on it, so
  // their requests are written in call order (see broker_connection.hpp).
  // A caller that cancels leaves the queue with net_errc::cancelled.
  asio::awaitable<ConnectionResult> connection(std::int32_t broker_id);
  // A usable connection to any broker: the connected one with the fewest
  // requests in flight, else known brokers then bootstrap servers in turn.
  asio::awaitable<ConnectionResult> any_connection();
  // The connection of a broker if it is usable now; never connects.
  std::shared_ptr<BrokerConnection> connected(std::int32_t broker_id) const;

  template <typename Resp, typename Req>
  asio::awaitable<Result<Resp>> send(std::int32_t broker_id, const Req& request, SendOptions options = {});
  template <typename Resp, typename Req>
  asio::awaitable<Result<Resp>> send_any(const Req& request, SendOptions options = {});
  // For Produce with acks=0: completes once written.
  template <typename Req>
  asio::awaitable<std::error_code> send_no_response(std::int32_t broker_id, const Req& request,
                                                    SendOptions options = {});

  // Called on the io_context thread when a usable connection is lost (not
  // for idle closes or shutdown): the metadata cache refreshes on it.
  void set_connection_lost_handler(std::function<void(std::int32_t broker_id, std::error_code)> handler) {
    connection_lost_ = std::move(handler);
  }
  // Called on the io_context thread when a connect attempt fails or a usable
  // connection is lost (not for idle closes or shutdown), with the broker's
  // address. `all_down` is true once per outage: when, after this failure, no
  // broker or bootstrap server is usable or connecting (those never tried
  // count as down, as in librdkafka's ALL_BROKERS_DOWN); a later successful
  // connection re-arms it. For the client's error callback.
  using FailureHandler = std::function<void(std::int32_t broker_id, const std::string& host, std::uint16_t port,
                                            std::error_code, bool all_down)>;
  void set_failure_handler(FailureHandler handler) { failure_ = std::move(handler); }

  const NetConfig& config() const noexcept { return *config_; }
  const std::shared_ptr<NetCounters>& counters() const noexcept { return counters_; }
  asio::any_io_executor executor() const noexcept { return executor_; }

 private:
  struct Slot;
  struct Waiter;
  ConnectionPool(asio::any_io_executor executor, NetConfig config);
  void start_idle_sweeper();
  static asio::awaitable<void> sweep_idle(std::weak_ptr<ConnectionPool> weak,
                                          std::shared_ptr<asio::steady_timer> timer,
                                          std::chrono::milliseconds idle);
  asio::awaitable<ConnectionResult> connect_slot(std::shared_ptr<Slot> slot, bool wait_for_backoff);
  void start_connector(const std::shared_ptr<Slot>& slot);
  static asio::awaitable<void> run_connector(std::weak_ptr<ConnectionPool> weak, std::shared_ptr<Slot> slot);
  static void wake_front(Slot& slot);
  static void leave_queue(Slot& slot, const std::shared_ptr<Waiter>& waiter);
  static void fail_waiters(Slot& slot, std::error_code ec);
  void retire(const std::shared_ptr<Slot>& slot, std::error_code reason);
  std::shared_ptr<Slot> make_slot(std::int32_t id, std::string host, std::uint16_t port);
  void on_connection_closed(const std::shared_ptr<Slot>& slot, std::error_code reason, bool was_ready);
  void log(LogLevel level, const std::string& message) const;
  void report_failure(const Slot& slot, std::error_code ec);

  asio::any_io_executor executor_;
  std::shared_ptr<const NetConfig> config_;
  std::shared_ptr<NetCounters> counters_;
  std::map<std::int32_t, std::shared_ptr<Slot>> slots_;  // brokers (id >= 0) and bootstrap servers
  std::shared_ptr<asio::steady_timer> sweeper_timer_;
  std::function<void(std::int32_t, std::error_code)> connection_lost_;
  FailureHandler failure_;
  bool all_down_reported_ = false;  // re-armed by a successful connection
  std::size_t next_candidate_ = 0;  // rotates the start of any_connection's search
  std::uint64_t seed_ = 0;
  bool shut_down_ = false;
};

template <typename Resp, typename Req>
asio::awaitable<Result<Resp>> ConnectionPool::send(std::int32_t broker_id, const Req& request, SendOptions options) {
  auto [ec, conn] = co_await connection(broker_id);
  if (ec) co_return Result<Resp>{ec, {}};
  co_return co_await conn->template send<Resp>(request, options);
}

template <typename Resp, typename Req>
asio::awaitable<Result<Resp>> ConnectionPool::send_any(const Req& request, SendOptions options) {
  auto [ec, conn] = co_await any_connection();
  if (ec) co_return Result<Resp>{ec, {}};
  co_return co_await conn->template send<Resp>(request, options);
}

template <typename Req>
asio::awaitable<std::error_code> ConnectionPool::send_no_response(std::int32_t broker_id, const Req& request,
                                                                  SendOptions options) {
  auto [ec, conn] = co_await connection(broker_id);
  if (ec) co_return ec;
  co_return co_await conn->send_no_response(request, options);
}

}  // namespace kwire::net
