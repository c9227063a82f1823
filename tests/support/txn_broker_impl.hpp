// The inside of a TxnBroker (txn_broker.hpp): the shared state, one io
// thread, and per node a listener and its open connections. Each connection
// is a Session: a reader coroutine answers requests in order, as Kafka does
// (one at a time per connection), and queues each response for a writer
// coroutine that sends it once the node's added latency has passed. A node
// can be stopped (listener and connections closed: connection refused) and
// started again on the same port.
// Threads: the members run on the io thread; the TxnBroker's public members
// reach them through run_on_io() or lock state.mu.
#pragma once

// libstdc++'s configuration must precede Asio's (aligned_alloc choice).
#include <version>

#include <asio/awaitable.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "txn_broker.hpp"
#include "txn_broker_state.hpp"

namespace kwire::test {

namespace txn {

// One client connection to one node.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(asio::ip::tcp::socket socket, std::int32_t node, BrokerState& state);
  void start();
  // Closes the socket at once; queued responses are lost (a cut connection).
  void close();

 private:
  using Clock = std::chrono::steady_clock;
  struct Outgoing {
    Clock::time_point due;
    std::vector<std::uint8_t> frame;
    bool close_after = false;
  };
  asio::awaitable<void> read_loop();
  asio::awaitable<void> write_loop();
  // Waits while the node's reading is paused; false once the session closed.
  asio::awaitable<bool> wait_while_paused();
  void queue_response(std::vector<std::uint8_t> frame, bool close_after, Clock::time_point arrival,
                      std::chrono::milliseconds delay);

  asio::ip::tcp::socket socket_;
  asio::steady_timer writer_wake_;
  asio::steady_timer reader_timer_;
  std::int32_t node_;
  std::uint64_t id_;  // RequestContext::connection
  BrokerState& state_;
  std::deque<Outgoing> queue_;
  Clock::time_point last_due_{};
  bool closed_ = false;
};

}  // namespace txn

struct TxnBroker::Impl {
  explicit Impl(TxnBrokerOptions options);

  struct Node {
    std::shared_ptr<asio::ip::tcp::acceptor> acceptor;  // null while stopped
    std::vector<std::weak_ptr<txn::Session>> sessions;
  };

  asio::awaitable<void> accept_loop(std::int32_t node, std::shared_ptr<asio::ip::tcp::acceptor> acceptor);
  void start_listening(std::int32_t node);  // io thread
  void stop_listening(std::int32_t node);   // io thread
  // Runs fn on the io thread and waits for it (not from the io thread).
  void run_on_io(std::function<void()> fn);

  txn::BrokerState state;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::vector<Node> nodes;
  std::thread thread;
};

}  // namespace kwire::test
