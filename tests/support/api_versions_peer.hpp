// A minimal, well-behaved Kafka peer that is not librdkafka's mock: it
// answers every ApiVersions request (v0-2 in their own layout, v3+ with
// UNSUPPORTED_VERSION in the v0 layout, the KIP-511 fallback) and counts the
// requests it served. Any other request closes the connection. Built from
// the wire primitives only, it is fully instrumented under ThreadSanitizer
// (the mock's own thread is not, and TSan cannot run it). Own io_context
// thread; public members may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

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

  struct Counts {
    std::atomic<int> connections{0};
    std::atomic<int> answered{0};
  };

 private:
  std::shared_ptr<Counts> counts_;
  ServerThread server_;
};

}  // namespace kwire::test
