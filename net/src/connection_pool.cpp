// ConnectionPool: per-broker slots, connect-on-use with backoff, loss
// notification, least-loaded choice, idle sweeping. Io_context thread only.
#include "kwire/net/connection_pool.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include <asio/this_coro.hpp>

#include <algorithm>
#include <chrono>
#include <deque>
#include <random>

#include "connection_pool_slot.hpp"

namespace kwire::net {

using Clock = std::chrono::steady_clock;

std::shared_ptr<ConnectionPool> ConnectionPool::create(asio::any_io_executor executor, NetConfig config) {
  auto pool = std::shared_ptr<ConnectionPool>(new ConnectionPool(std::move(executor), std::move(config)));
  pool->start_idle_sweeper();
  return pool;
}

ConnectionPool::ConnectionPool(asio::any_io_executor executor, NetConfig config)
    : executor_(std::move(executor)),
      config_(std::make_shared<const NetConfig>(std::move(config))),
      counters_(std::make_shared<NetCounters>()),
      seed_(std::random_device{}()) {
  std::int32_t id = kFirstBootstrapId;
  // Each entry may itself be a comma-separated list, as in bootstrap.servers.
  std::vector<std::string> servers;
  for (const auto& entry : config_->bootstrap_servers) {
    std::size_t start = 0;
    while (start <= entry.size()) {
      std::size_t comma = std::min(entry.find(',', start), entry.size());
      std::string server = entry.substr(start, comma - start);
      server.erase(0, server.find_first_not_of(' '));
      server.erase(server.find_last_not_of(' ') + 1);
      if (!server.empty()) servers.push_back(std::move(server));
      start = comma + 1;
    }
  }
  for (const auto& server : servers) {
    std::string host;
    std::uint16_t port = 0;
    if (!parse_host_port(server, host, port)) {
      log(LogLevel::error, "ignoring bootstrap server '" + server + "': expected host:port");
      continue;
    }
    slots_.emplace(id, make_slot(id, std::move(host), port));
    --id;
  }
}

ConnectionPool::~ConnectionPool() { shutdown(); }

std::shared_ptr<ConnectionPool::Slot> ConnectionPool::make_slot(std::int32_t id, std::string host,
                                                                std::uint16_t port) {
  return std::make_shared<Slot>(executor_, id, std::move(host), port, *config_, seed_ + static_cast<std::uint64_t>(id));
}

void ConnectionPool::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  if (sweeper_timer_) sweeper_timer_->cancel();
  auto slots = std::move(slots_);
  slots_.clear();
  for (auto& [id, slot] : slots) retire(slot, net_errc::shutting_down);
}

void ConnectionPool::retire(const std::shared_ptr<Slot>& slot, std::error_code reason) {
  slot->removed = true;
  if (slot->conn) slot->conn->close(reason);
  slot->backoff_wait.cancel();
  fail_waiters(*slot, net_errc::shutting_down);
}

void ConnectionPool::set_brokers(const std::vector<BrokerAddress>& brokers) {
  if (shut_down_) return;
  std::map<std::int32_t, bool> seen;
  for (const auto& broker : brokers) {
    std::string host = broker.host;
    std::uint16_t port = broker.port;
    auto mapped = config_->broker_address_map.find(host + ":" + std::to_string(port));
    if (mapped != config_->broker_address_map.end() && !parse_host_port(mapped->second, host, port)) {
      log(LogLevel::error, "broker address mapping for " + mapped->first + " is not host:port: " + mapped->second);
      host = broker.host;
      port = broker.port;
    }
    seen[broker.id] = true;
    auto it = slots_.find(broker.id);
    if (it == slots_.end()) {
      slots_.emplace(broker.id, make_slot(broker.id, std::move(host), port));
      continue;
    }
    auto& slot = it->second;
    if (slot->host != host || slot->port != port) {
      log(LogLevel::info, "broker " + std::to_string(broker.id) + " moved to " + host + ":" + std::to_string(port));
      slot->host = std::move(host);
      slot->port = port;
      if (slot->conn) slot->conn->close(net_errc::connection_closed);
    }
  }
  for (auto it = slots_.begin(); it != slots_.end();) {
    if (it->first >= 0 && !seen.count(it->first)) {
      retire(it->second, net_errc::unknown_broker);
      it = slots_.erase(it);
    } else {
      ++it;
    }
  }
}

std::vector<std::int32_t> ConnectionPool::known_brokers() const {
  std::vector<std::int32_t> ids;
  for (const auto& [id, slot] : slots_)
    if (id >= 0) ids.push_back(id);
  return ids;
}

std::optional<std::pair<std::string, std::uint16_t>> ConnectionPool::address_of(std::int32_t broker_id) const {
  auto it = slots_.find(broker_id);
  if (it == slots_.end()) return std::nullopt;
  return std::pair{it->second->host, it->second->port};
}

std::shared_ptr<BrokerConnection> ConnectionPool::connected(std::int32_t broker_id) const {
  auto it = slots_.find(broker_id);
  if (it == slots_.end() || !it->second->conn || !it->second->conn->ready()) return nullptr;
  return it->second->conn;
}

asio::awaitable<ConnectionResult> ConnectionPool::connection(std::int32_t broker_id) {
  if (shut_down_) co_return ConnectionResult{net_errc::shutting_down, nullptr};
  auto it = slots_.find(broker_id);
  if (it == slots_.end()) co_return ConnectionResult{net_errc::unknown_broker, nullptr};
  co_return co_await connect_slot(it->second, true);
}

asio::awaitable<ConnectionResult> ConnectionPool::connect_slot(std::shared_ptr<Slot> slot, bool wait_for_backoff) {
  auto self = shared_from_this();
  if (slot->removed || shut_down_) co_return ConnectionResult{net_errc::shutting_down, nullptr};
  if (slot->waiters.empty() && slot->usable()) co_return ConnectionResult{{}, slot->conn};
  if (!wait_for_backoff && !slot->usable() && !slot->connecting && Clock::now() < slot->next_attempt)
    co_return ConnectionResult{slot->last_error, nullptr};

  auto me = std::make_shared<Waiter>(executor_);
  slot->waiters.push_back(me);
  if (!slot->usable()) start_connector(slot);  // when usable, the waiters ahead of us wake us in turn
  // Cancellation is handled here: a cancelled caller must leave the queue.
  const bool caller_throws_if_cancelled = co_await asio::this_coro::throw_if_cancelled();
  co_await asio::this_coro::throw_if_cancelled(false);
  ConnectionResult result;
  for (;;) {
    if (!me->woken) {
      std::error_code ignored;
      co_await me->wake.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    if (me->woken) {
      me->woken = false;
      if (me->failure) {  // fail_waiters already took us out of the queue
        result = ConnectionResult{me->failure, nullptr};
        break;
      }
      if (slot->removed || shut_down_) {
        leave_queue(*slot, me);
        result = ConnectionResult{net_errc::shutting_down, nullptr};
        break;
      }
      if (slot->usable()) {
        // Our caller queues its request before the next waiter runs: the
        // wake-up below only posts its resumption.
        leave_queue(*slot, me);
        wake_front(*slot);
        result = ConnectionResult{{}, slot->conn};
        break;
      }
      start_connector(slot);  // lost again before our turn: we stay first in line
      continue;
    }
    auto cancellation = co_await asio::this_coro::cancellation_state;
    if (cancellation.cancelled() != asio::cancellation_type::none) {
      const bool was_first = !slot->waiters.empty() && slot->waiters.front() == me;
      leave_queue(*slot, me);
      if (was_first && slot->usable()) wake_front(*slot);
      result = ConnectionResult{net_errc::cancelled, nullptr};
      break;
    }
  }
  co_await asio::this_coro::throw_if_cancelled(caller_throws_if_cancelled);
  co_return result;
}

void ConnectionPool::start_connector(const std::shared_ptr<Slot>& slot) {
  if (slot->connector_running || slot->removed || shut_down_) return;
  slot->connector_running = true;
  asio::co_spawn(executor_, run_connector(weak_from_this(), slot), asio::detached);
}

asio::awaitable<void> ConnectionPool::run_connector(std::weak_ptr<ConnectionPool> weak, std::shared_ptr<Slot> slot) {
  if (Clock::now() < slot->next_attempt) {
    // Sleep without owning the pool, so that dropping it ends the wait.
    slot->backoff_wait.expires_at(slot->next_attempt);
    std::error_code ignored;
    co_await slot->backoff_wait.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  auto self = weak.lock();
  if (!self || slot->removed || self->shut_down_) {
    slot->connector_running = false;
    fail_waiters(*slot, net_errc::shutting_down);
    co_return;
  }
  slot->connecting = true;
  auto conn = BrokerConnection::create(self->executor_, self->config_, self->counters_, slot->id, slot->host, slot->port);
  slot->conn = conn;
  auto ec = co_await conn->open();
  slot->connecting = false;
  slot->connector_running = false;
  if (!ec && (slot->removed || self->shut_down_)) {
    conn->close(net_errc::shutting_down);
    ec = net_errc::shutting_down;
  }
  if (ec) {
    if (slot->conn == conn) slot->conn.reset();
    slot->last_error = ec;
    slot->next_attempt = Clock::now() + slot->backoff.next_delay();
    self->counters_->add_connect_failure();
    fail_waiters(*slot, ec);
    if (ec != net_errc::shutting_down) self->report_failure(*slot, ec);
    co_return;
  }
  slot->backoff.reset();
  slot->last_error.clear();
  self->all_down_reported_ = false;
  self->counters_->add_connect(slot->ever_connected);
  if (slot->ever_connected) self->log(LogLevel::info, "reconnected to broker " + std::to_string(slot->id));
  slot->ever_connected = true;
  conn->set_close_handler([weak, weak_slot = std::weak_ptr<Slot>(slot)](std::error_code reason, bool was_ready) {
    auto pool = weak.lock();
    auto s = weak_slot.lock();
    if (pool && s) pool->on_connection_closed(s, reason, was_ready);
  });
  wake_front(*slot);
}

void ConnectionPool::wake_front(Slot& slot) {
  if (slot.waiters.empty()) return;
  auto& first = slot.waiters.front();
  first->woken = true;
  first->wake.cancel();
}

void ConnectionPool::leave_queue(Slot& slot, const std::shared_ptr<Waiter>& waiter) {
  auto it = std::find(slot.waiters.begin(), slot.waiters.end(), waiter);
  if (it != slot.waiters.end()) slot.waiters.erase(it);
}

void ConnectionPool::fail_waiters(Slot& slot, std::error_code ec) {
  auto waiters = std::move(slot.waiters);
  slot.waiters.clear();
  for (auto& w : waiters) {
    w->failure = ec ? ec : make_error_code(net_errc::connect_failed);
    w->woken = true;
    w->wake.cancel();
  }
}

void ConnectionPool::on_connection_closed(const std::shared_ptr<Slot>& slot, std::error_code reason, bool was_ready) {
  if (slot->conn && slot->conn->closed()) slot->conn.reset();
  if (!was_ready || reason == net_errc::idle_timeout || reason == net_errc::shutting_down || slot->removed) return;
  // A lost connection is not retried at once: the broker may be restarting.
  slot->last_error = reason;
  slot->next_attempt = Clock::now() + slot->backoff.next_delay();
  if (connection_lost_) connection_lost_(slot->id, reason);
  report_failure(*slot, reason);
}

void ConnectionPool::report_failure(const Slot& slot, std::error_code ec) {
  if (!failure_ || shut_down_) return;
  bool all_down = false;
  if (!all_down_reported_) {
    all_down = std::none_of(slots_.begin(), slots_.end(),
                            [](const auto& entry) { return entry.second->usable() || entry.second->connecting; });
    all_down_reported_ = all_down;
  }
  failure_(slot.id, slot.host, slot.port, ec, all_down);
}

asio::awaitable<ConnectionResult> ConnectionPool::any_connection() {
  auto self = shared_from_this();
  if (shut_down_) co_return ConnectionResult{net_errc::shutting_down, nullptr};
  const auto deadline = Clock::now() + config_->request_timeout;
  std::error_code last = net_errc::no_broker_available;
  while (!shut_down_ && Clock::now() < deadline) {
    std::shared_ptr<BrokerConnection> best;
    for (const auto& [id, slot] : slots_)
      if (slot->conn && slot->conn->ready() && (!best || slot->conn->in_flight() < best->in_flight()))
        best = slot->conn;
    if (best) co_return ConnectionResult{{}, best};

    // Known brokers first (bootstrap servers have the lowest ids, so reverse order).
    std::vector<std::shared_ptr<Slot>> candidates;
    for (auto it = slots_.rbegin(); it != slots_.rend(); ++it) candidates.push_back(it->second);
    if (candidates.empty()) co_return ConnectionResult{net_errc::no_broker_available, nullptr};
    const std::size_t start = next_candidate_++ % candidates.size();
    Clock::time_point earliest = Clock::time_point::max();
    bool tried = false;
    bool all_refused = true;  // every server tried failed in a way a retry does not mend
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      auto& slot = candidates[(start + i) % candidates.size()];
      if (!slot->connecting && Clock::now() < slot->next_attempt) {
        earliest = std::min(earliest, slot->next_attempt);
        all_refused = false;  // not tried this round
        continue;  // in backoff: try the others first
      }
      auto [ec, conn] = co_await connect_slot(slot, false);
      if (!ec) co_return ConnectionResult{{}, conn};
      last = ec;
      tried = true;
      if (is_retriable_net_error(ec)) all_refused = false;
      earliest = std::min(earliest, slot->next_attempt);
    }
    // A wrong password or an untrusted certificate everywhere: the caller
    // hears the reason now, not at the deadline (its own retries go on).
    if (tried && all_refused) break;
    if (earliest == Clock::time_point::max()) break;
    asio::steady_timer wait(executor_, std::min(earliest, deadline));
    std::error_code ignored;
    co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  log(LogLevel::warning, "no broker reachable: " + last.message());
  co_return ConnectionResult{last, nullptr};
}

void ConnectionPool::start_idle_sweeper() {
  if (config_->connections_max_idle.count() <= 0) return;
  sweeper_timer_ = std::make_shared<asio::steady_timer>(executor_);
  asio::co_spawn(executor_, sweep_idle(weak_from_this(), sweeper_timer_, config_->connections_max_idle), asio::detached);
}

asio::awaitable<void> ConnectionPool::sweep_idle(std::weak_ptr<ConnectionPool> weak,
                                                 std::shared_ptr<asio::steady_timer> timer,
                                                 std::chrono::milliseconds idle) {
  const auto period = std::clamp<std::chrono::milliseconds>(idle / 4, std::chrono::milliseconds(10),
                                                            std::chrono::milliseconds(10000));
  for (;;) {
    timer->expires_after(period);
    std::error_code ec;
    co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    auto pool = weak.lock();  // the pool may be gone: touch nothing else before this
    if (ec || !pool || pool->shut_down_) co_return;
    const auto now = Clock::now();
    for (auto& [id, slot] : pool->slots_) {
      auto& conn = slot->conn;
      if (conn && conn->ready() && conn->in_flight() == 0 && now - conn->last_activity() >= idle) {
        pool->log(LogLevel::debug, "closing idle connection to broker " + std::to_string(id));
        conn->close(net_errc::idle_timeout);
      }
    }
  }
}

void ConnectionPool::log(LogLevel level, const std::string& message) const {
  config_->log(level, message);
}

}  // namespace kwire::net
