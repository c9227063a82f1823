// Splits one reassembled TCP stream into Kafka frames (a 4-byte big-endian
// size, then that many bytes), remembering where each starts in the stream
// and which packet carried its first byte. A negative or oversized size, or a
// stream that ends (or loses bytes) inside a frame, ends the split with a
// Violation. Single thread.
#pragma once

#include <optional>
#include <vector>

#include "tcp_reassembly.hpp"
#include "wire/violation.hpp"

namespace kwire::tool::wire {

struct KafkaFrame {
  std::size_t stream_offset = 0;  // of the size prefix
  std::size_t packet = 0;         // the packet that carried the size prefix's first byte
  protocol::Bytes body;           // after the size prefix
};

struct SplitStream {
  std::vector<KafkaFrame> frames;
  std::optional<Violation> problem;  // offset: in the stream
};

// Frames above `max_frame_bytes` are refused: no Kafka peer sends them, and a
// stream that is not Kafka at all would otherwise look like one huge frame.
SplitStream split_frames(const TcpStream& stream, std::size_t max_frame_bytes);

}  // namespace kwire::tool::wire
