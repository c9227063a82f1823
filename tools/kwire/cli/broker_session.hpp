// A synchronous front for the tool's one-shot requests (metadata,
// api-versions, consume): an io_context run on the calling thread, broker
// connections from kwire's net layer, and run() to drive one coroutine to
// completion. Every wait is bounded by the connection set-up and request
// timeouts, so an unreachable broker fails in bounded time. Bootstrap
// entries without a port get 9092. One thread only.
#pragma once

// libstdc++'s configuration must precede Asio's: Asio decides from it whether
// to use aligned_alloc, and every translation unit must decide the same way.
#include <version>

#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "kwire/net/broker_connection.hpp"
#include "kwire/protocol/messages/metadata_response.hpp"

namespace kwire::tool {

struct SessionOptions {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{10000};
  net::SecurityConfig security;  // TLS/SASL, from -X security.*, ssl.*, sasl.*
};

class BrokerSession {
 public:
  BrokerSession(std::string bootstrap, SessionOptions options = {});
  ~BrokerSession();

  // Drives `op` on this thread until it completes.
  template <typename T>
  T run(asio::awaitable<T> op) {
    std::optional<T> result;
    std::exception_ptr failure;
    asio::co_spawn(io_, std::move(op), [&](std::exception_ptr e, T value) {
      failure = e;
      result.emplace(std::move(value));
    });
    io_.restart();
    while (!result && !failure) io_.run_one();
    if (failure) std::rethrow_exception(failure);
    return std::move(*result);
  }

  // A ready connection to any bootstrap broker (tried in turn); on failure the
  // error and, in `detail`, a sentence naming each broker and why.
  asio::awaitable<std::pair<std::error_code, std::shared_ptr<net::BrokerConnection>>> bootstrap_connection(
      std::string& detail);
  // A ready connection to the broker with this id, learned from metadata().
  asio::awaitable<std::pair<std::error_code, std::shared_ptr<net::BrokerConnection>>> broker_connection(
      std::int32_t broker_id, std::string& detail);

  // Metadata for `topics` (nullopt = all topics) from a bootstrap broker;
  // remembers broker addresses for broker_connection().
  asio::awaitable<std::pair<std::error_code, protocol::messages::MetadataResponse>> metadata(
      std::optional<std::vector<std::string>> topics, std::string& detail, bool allow_auto_create = false);

  const SessionOptions& options() const noexcept { return options_; }

 private:
  asio::awaitable<std::pair<std::error_code, std::shared_ptr<net::BrokerConnection>>> open(std::int32_t id,
                                                                                        const std::string& address,
                                                                                        std::string& detail);
  asio::io_context io_;
  SessionOptions options_;
  std::shared_ptr<net::NetConfig> config_;
  std::shared_ptr<net::NetCounters> counters_;
  std::vector<std::string> bootstrap_;
  std::map<std::int32_t, std::string> broker_addresses_;
  std::map<std::int32_t, std::shared_ptr<net::BrokerConnection>> connections_;
  std::shared_ptr<net::BrokerConnection> bootstrap_conn_;
};

// "a,b,c" -> {"a","b","c"} (empty parts dropped).
std::vector<std::string> split_list(const std::string& text);

}  // namespace kwire::tool
