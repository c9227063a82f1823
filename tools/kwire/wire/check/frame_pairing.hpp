// Pairs the Kafka frames of a capture: decides which side of each connection
// is the client (its SYN, else a Kafka port, else the side whose first frame
// looks like a request), reads each request's header (API key, version,
// correlation id), matches each response to the request with its correlation
// id on the same connection (so the response's version and header version
// are known), and learns each broker's advertised ranges from its ApiVersions
// answers to check later requests against. Frames are handled in capture
// order. Single thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "kafka_frames.hpp"

namespace kwire::tool::wire {

struct ConnectionInfo {
  Endpoint client, server;
  std::size_t first_packet = 0;
  const char* client_known_by = "";  // "SYN", "port" or "first frame"
  const TcpStream* to_server = nullptr;
  const TcpStream* to_client = nullptr;
};

struct FrameInfo {
  std::size_t connection = 0;
  bool request = true;
  KafkaFrame frame;
  std::int16_t api_key = -1;
  std::int16_t api_version = -1;
  std::int32_t correlation_id = 0;
  bool decodable = false;               // key and version known and in our specs
  std::optional<std::size_t> partner;   // the matching request or response
  std::vector<Violation> violations;    // found while pairing
};

struct StreamProblem {
  std::size_t connection = 0;
  bool to_server = true;
  std::size_t packet = 0;
  Violation violation;  // offset: in the stream
};

struct PairedCapture {
  std::vector<ConnectionInfo> connections;
  std::vector<FrameInfo> frames;  // capture order
  std::vector<StreamProblem> stream_problems;
  std::size_t skipped_connections = 0;  // not on a Kafka port (when ports were given)
};

struct PairingOptions {
  std::set<std::uint16_t> kafka_ports{9092};
  bool only_kafka_ports = false;  // true when the user named the ports
  std::size_t max_frame_bytes = 256 * 1024 * 1024;
};

PairedCapture pair_frames(const std::vector<TcpConnection>& connections, const PairingOptions& options);

}  // namespace kwire::tool::wire
