// analyze_capture (see capture_analysis.hpp).
#include "capture_analysis.hpp"

namespace kwire::tool::wire {

bool analyze_capture(const std::string& path, const PairingOptions& options, CaptureAnalysis& out,
                     std::string& error) {
  if (!read_capture(path, out.capture, error, out.warning)) return false;
  TcpReassembler reassembler;
  TcpSegment segment;
  std::string why;
  for (const auto& packet : out.capture.packets) {
    switch (decode_tcp_segment(packet, segment, why)) {
      case SegmentStatus::tcp:
        ++out.tcp_segments;
        reassembler.add(segment);
        break;
      case SegmentStatus::other_protocol: ++out.other_packets; break;
      case SegmentStatus::fragment: ++out.ip_fragments; break;
      case SegmentStatus::malformed: ++out.malformed_packets; break;
      case SegmentStatus::unsupported_link: ++out.unsupported_links[packet.link_type]; break;
    }
  }
  out.tcp = reassembler.finish();
  out.paired = pair_frames(out.tcp, options);
  return true;
}

}  // namespace kwire::tool::wire
