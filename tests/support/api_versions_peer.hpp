// A minimal, well-behaved Kafka peer that is not librdkafka's mock: it
// answers every ApiVersions request (v0-2 in their own layout, v3+ with
// UNSUPPORTED_VERSION in the v0 layout, the KIP-511 fallback) and counts the
// requests it served. Any other request closes the connection. It can hold
// its answers back and let them go one by one, for tests of what a client
// does while answers are awaited. Built from
// the wire primitives only, it is fully instrumented under ThreadSanitizer
// (the mock's own thread is not, and TSan cannot run it). Own io_context
// thread; public members may be called from any thread.
#pragma once

#include <asio/steady_timer.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "server_thread.hpp"

namespace kwire::test {

class ApiVersionsPeer {
 public:
  ApiVersionsPeer();
  ~ApiVersionsPeer();
  ApiVersionsPeer(const ApiVersionsPeer&) = delete;
  ApiVersionsPeer& operator=(const ApiVersionsPeer&) = delete;

  std::uint16_t port() const { return server_.port(); }
  std::string bootstrap() const { return "127.0.0.1:" + std::to_string(port()); }

  int connections() const noexcept { return counts_->connections.load(); }
  int requests_answered() const noexcept { return counts_->answered.load(); }
  // Requests read whole, answered or held.
  int requests_read() const noexcept { return counts_->read.load(); }

  // From now on requests are read but their answers wait, in order, until
  // release_answers lets `n` more of them go (on every connection together).
  void hold_answers() noexcept { counts_->holding.store(true); }
  void release_answers(int n);

  struct Counts {
    std::atomic<int> connections{0};
    std::atomic<int> answered{0};
    std::atomic<int> read{0};
    std::atomic<bool> holding{false};
    std::atomic<int> released{0};  // answers that may still go while holding
    // Server thread only: what the sessions holding an answer wait on.
    std::vector<std::weak_ptr<asio::steady_timer>> waiting;
  };

 private:
  std::shared_ptr<Counts> counts_;
  ServerThread server_;
};

}  // namespace kwire::test
