// The whole path from a capture file to paired Kafka frames: read the file,
// decode each packet down to TCP, reassemble the connections, split the
// streams into frames and pair requests with responses. The result owns all
// the bytes the frames point into. Single thread.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "capture_file.hpp"
#include "frame_pairing.hpp"
#include "tcp_reassembly.hpp"

namespace kwire::tool::wire {

struct CaptureAnalysis {
  Capture capture;
  std::vector<TcpConnection> tcp;
  PairedCapture paired;
  std::size_t tcp_segments = 0;
  std::size_t other_packets = 0;     // not TCP over IP
  std::size_t ip_fragments = 0;      // not reassembled
  std::size_t malformed_packets = 0;
  std::map<std::uint32_t, std::size_t> unsupported_links;  // link type -> packets
  std::string warning;               // from the file reader
};

// False (with a reason) only when the file cannot be read as a capture.
bool analyze_capture(const std::string& path, const PairingOptions& options, CaptureAnalysis& out,
                     std::string& error);

}  // namespace kwire::tool::wire
