// Requests to a coordinator (the transaction coordinator of a transactional
// id, or a consumer group's coordinator), with the retries the Java client
// makes: FindCoordinator (key_type 1 for transactions, 0 for groups) and a
// cached coordinator; CONCURRENT_TRANSACTIONS, COORDINATOR_LOAD_IN_PROGRESS
// and lost connections are retried after retry.backoff.ms; NOT_COORDINATOR
// and COORDINATOR_NOT_AVAILABLE make it find the coordinator again. Any
// other error is returned to the caller, which classifies it (fatal or
// abortable). Gives up with errc::transaction_timeout at the deadline.
// io_context thread only (like the connection pool it uses).
#pragma once

#include <asio/awaitable.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

#include "kwire/errors.hpp"
#include "kwire/net/connection_pool.hpp"
#include "kwire/net/errors.hpp"
#include "kwire/protocol/errors.hpp"

namespace kwire::detail {

enum class CoordinatorType : std::int8_t { group = 0, transaction = 1 };

// True for the errors after which the same request is simply sent again.
bool is_coordinator_retriable(std::error_code ec) noexcept;
// True for the errors after which the coordinator must be found again.
bool is_coordinator_moved(std::error_code ec) noexcept;

template <typename Resp>
struct CoordinatorResult {
  std::error_code error;  // transport error, the response's error, or errc::transaction_timeout
  Resp body{};
};

class CoordinatorClient {
 public:
  using Clock = std::chrono::steady_clock;

  CoordinatorClient(std::shared_ptr<net::ConnectionPool> pool, std::chrono::milliseconds backoff)
      : pool_(std::move(pool)), backoff_(std::max(backoff, std::chrono::milliseconds(1))) {}

  // Sends `request` to the coordinator of `key` until it is answered without a
  // retriable error or `deadline` passes. `error_of(const Resp&)` returns the
  // answer's error code (for per-partition answers, the first one that counts).
  template <typename Resp, typename Req, typename ErrorOf>
  asio::awaitable<CoordinatorResult<Resp>> call(CoordinatorType type, std::string key, const Req& request,
                                                net::SendOptions options, ErrorOf error_of,
                                                Clock::time_point deadline) {
    CoordinatorResult<Resp> out;
    for (;;) {
      std::int32_t node = -1;
      std::error_code ec = co_await find(type, key, deadline, node);
      if (!ec) {
        // Never wait on one answer much past the caller's deadline.
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        options.timeout = std::clamp(left, std::chrono::milliseconds(100), pool_->config().request_timeout);
        auto result = co_await pool_->send<Resp>(node, request, options);
        if (result.error) {
          ec = result.error;
          if (net::is_retriable_net_error(ec)) forget(type, key);
          else co_return CoordinatorResult<Resp>{ec, {}};
        } else {
          ec = protocol::kafka_error(error_of(result.response.body));
          if (!ec || !(is_coordinator_retriable(ec) || is_coordinator_moved(ec))) {
            out.error = ec;
            out.body = std::move(result.response.body);
            co_return out;
          }
          if (is_coordinator_moved(ec)) forget(type, key);
        }
      } else if (!is_coordinator_retriable(ec) && !is_coordinator_moved(ec) && !net::is_retriable_net_error(ec)) {
        co_return CoordinatorResult<Resp>{ec, {}};
      }
      ++retries_;
      if (Clock::now() + backoff_ >= deadline) co_return CoordinatorResult<Resp>{make_error_code(errc::transaction_timeout), {}};
      co_await sleep(backoff_);
    }
  }

  // Finds (or returns the cached) coordinator of `key`.
  asio::awaitable<std::error_code> find(CoordinatorType type, const std::string& key, Clock::time_point deadline,
                                        std::int32_t& node);
  void forget(CoordinatorType type, const std::string& key) { known_.erase({type, key}); }

  // Requests sent again after a retriable error (for tests and logs).
  std::uint64_t retries() const noexcept { return retries_; }
  std::chrono::milliseconds backoff() const noexcept { return backoff_; }
  net::ConnectionPool& pool() noexcept { return *pool_; }

 private:
  asio::awaitable<void> sleep(std::chrono::milliseconds d) {
    asio::steady_timer timer(pool_->executor(), d);
    std::error_code ignored;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }

  std::shared_ptr<net::ConnectionPool> pool_;
  std::chrono::milliseconds backoff_;
  std::map<std::pair<CoordinatorType, std::string>, std::int32_t> known_;
  std::uint64_t retries_ = 0;
};

}  // namespace kwire::detail
