// A deliberately broken "broker" for robustness tests. It answers
// ApiVersions properly (so a connection becomes ready) unless told to
// misbehave from the first request, then answers the next request with the
// chosen fault. It records whether the client closed the connection, so
// tests can assert "closed, not hung". Own io_context thread; public members
// may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace kwire::test {

enum class HostileFault {
  giant_length_prefix,    // a length prefix of ~2 GiB, then silence with the socket open
  negative_length_prefix, // 0xFFFFFFFF
  short_frame,            // a 2-byte frame: too short for a correlation id
  half_frame_then_close,  // a 100-byte frame's prefix and 10 bytes, then FIN
  wrong_correlation_id,   // a well-formed frame answering a request never sent
  garbage_bytes,          // 64 KiB of pseudo-random bytes (fixed seed)
  silence,                // read the request, never answer
  announce_gigabyte,      // a well-formed start of a 1 GiB frame (prefix, correlation id, 6 bytes), then silence
};

class HostilePeer {
 public:
  // misbehave_on_api_versions: fault the very first request (ApiVersions)
  // instead of the first request after negotiation.
  explicit HostilePeer(HostileFault fault, bool misbehave_on_api_versions = false);
  // A peer that answers ApiVersions honestly and every other request with
  // the bytes `responder` returns for it (a whole frame, length prefix
  // included; empty: no answer). Called on the peer's thread.
  using Responder = std::function<std::vector<std::uint8_t>(std::int16_t api_key, std::int16_t version,
                                                            std::int32_t correlation_id)>;
  explicit HostilePeer(Responder responder);
  ~HostilePeer();
  HostilePeer(const HostilePeer&) = delete;
  HostilePeer& operator=(const HostilePeer&) = delete;

  std::uint16_t port() const noexcept;
  // Waits (up to `limit`) until a client connection has been closed by the
  // client, i.e. our read saw EOF or a reset. True if it happened.
  bool wait_for_client_close(std::chrono::milliseconds limit);
  int faults_sent() const noexcept { return state_->faults_sent.load(); }

  struct State {
    std::atomic<int> faults_sent{0};
    std::mutex mutex;
    std::condition_variable cv;
    int client_closes = 0;
  };
  struct Impl;

 private:
  std::shared_ptr<State> state_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kwire::test
