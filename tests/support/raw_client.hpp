// A blocking TCP client for tests that must talk to a peer below the level of
// kwire's own connection code: send one size-prefixed frame, read one back.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace kwire::test {

class RawClient {
 public:
  RawClient(const std::string& host, std::uint16_t port,
            std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  // Writes the 4-byte big-endian length, then body.
  void send_frame(const std::vector<std::uint8_t>& body);
  // Reads one frame and returns its body (without the length prefix).
  std::vector<std::uint8_t> recv_frame();
  void send_raw(const std::vector<std::uint8_t>& bytes);
  // True once the peer has closed (a read returns 0 bytes).
  bool peer_closed();

 private:
  void read_exact(std::uint8_t* out, std::size_t n);
  int fd_ = -1;
};

// Builds a request frame body: header v1 (api key, version, correlation id,
// client id) followed by body bytes.
std::vector<std::uint8_t> request_v1(std::int16_t api_key, std::int16_t version, std::int32_t correlation_id,
                                     const std::string& client_id, const std::vector<std::uint8_t>& body);

}  // namespace kwire::test
