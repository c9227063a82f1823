// A recording TCP relay for golden-frame tests: a client (librdkafka, in
// process) connects to the relay, the relay forwards to one upstream broker
// (the mock cluster) and keeps a copy of every Kafka frame in both
// directions, each response paired with its request's API key and version.
// Metadata and FindCoordinator responses are rewritten (after recording) to
// advertise the relay's own address, so every later connection of the client
// also passes through it; use a one-broker upstream.
// Threads: one accept thread and one thread per connection, all owned by the
// relay; frames() may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace kwire::test {

struct RecordedFrame {
  bool is_request = true;
  std::int16_t api_key = -1;
  std::int16_t api_version = -1;
  std::int32_t correlation_id = 0;
  std::vector<std::uint8_t> body;  // the frame without its 4-byte size
};

class RecordingRelay {
 public:
  RecordingRelay(std::string upstream_host, std::uint16_t upstream_port);
  ~RecordingRelay();
  RecordingRelay(const RecordingRelay&) = delete;
  RecordingRelay& operator=(const RecordingRelay&) = delete;

  std::string host() const { return "127.0.0.1"; }
  std::uint16_t port() const noexcept { return port_; }
  std::string bootstrap() const { return host() + ":" + std::to_string(port_); }

  // Every frame recorded so far, in the order each connection saw them.
  std::vector<RecordedFrame> frames() const;

 private:
  struct Connection;
  void accept_loop();
  void pump(Connection& c);
  void record(RecordedFrame f);

  std::string upstream_host_;
  std::uint16_t upstream_port_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  mutable std::mutex mu_;
  std::vector<RecordedFrame> frames_;
  std::vector<std::unique_ptr<Connection>> connections_;
};

}  // namespace kwire::test
