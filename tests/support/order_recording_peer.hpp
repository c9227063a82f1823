// A Kafka peer that records the order in which requests reach it, for tests
// of ordering on the wire. It answers ApiVersions (v0-2 in their own layout,
// v3+ with UNSUPPORTED_VERSION in the v0 layout: the KIP-511 fallback) and
// Metadata v0 (no brokers, no topics); every other request is recorded and
// answered with its correlation id and an empty body. A Metadata v0 request's
// first topic name is recorded as its tag, so a test names its requests.
// Knobs: stop reading (mid-frame, so the client's socket write stalls once
// the kernel buffers are full) and resume, and drop every connection.
// Built from the wire primitives only (fully instrumented under TSan). Own
// io_context thread; public members may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace kwire::test {

struct ReceivedRequest {
  int connection = 0;  // 1 for the first connection accepted, 2 for the next...
  std::int16_t api_key = -1;
  std::int16_t api_version = -1;
  std::int32_t correlation_id = 0;
  std::string tag;  // Metadata v0: the first topic name; otherwise empty
};

class OrderRecordingPeer {
 public:
  OrderRecordingPeer();
  ~OrderRecordingPeer();
  OrderRecordingPeer(const OrderRecordingPeer&) = delete;
  OrderRecordingPeer& operator=(const OrderRecordingPeer&) = delete;

  std::uint16_t port() const;
  std::string bootstrap() const { return "127.0.0.1:" + std::to_string(port()); }

  // Stops reading from every connection (after at most one more 64 KiB
  // chunk); resume_reading() goes on where each connection stopped.
  void pause_reading();
  void resume_reading();
  // Closes every client connection now (the client sees a lost connection).
  void drop_connections();

  // Requests other than ApiVersions, in the order they were read completely.
  std::vector<ReceivedRequest> received() const;
  // The tags of received() in order (requests without a tag included as "").
  std::vector<std::string> received_tags() const;
  // Waits until at least `count` requests were received. True if they were.
  bool wait_for_received(std::size_t count, std::chrono::milliseconds limit) const;
  int connections() const;

  struct State {
    mutable std::mutex mutex;
    mutable std::condition_variable cv;
    std::vector<ReceivedRequest> received;
    int connections = 0;
  };
  struct Impl;

 private:
  std::shared_ptr<State> state_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kwire::test
