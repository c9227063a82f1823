// From a captured packet to its TCP segment: the link layer (Ethernet with
// VLAN tags, Linux cooked SLL and SLL2, BSD and OpenBSD loopback, raw IP),
// IPv4 or IPv6 (with extension headers), then the TCP header. Single thread.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>

#include "capture_file.hpp"

namespace kwire::tool::wire {

struct Endpoint {
  std::array<std::uint8_t, 16> address{};  // IPv4 in the first 4 bytes
  bool v6 = false;
  std::uint16_t port = 0;

  std::string text() const;  // "127.0.0.1:9092", "[::1]:9092"
  auto operator<=>(const Endpoint&) const = default;
};

struct TcpSegment {
  std::size_t packet = 0;  // the packet's number in the capture
  Endpoint source, destination;
  std::uint32_t sequence = 0;
  bool syn = false, fin = false, rst = false, ack = false;
  protocol::Bytes payload;
  // The capture holds fewer payload bytes than the segment carried (snap length).
  bool payload_cut = false;
};

enum class SegmentStatus {
  tcp,               // `out` is filled
  other_protocol,    // not IP, or IP but not TCP: nothing to do
  unsupported_link,  // a link type we do not decode
  fragment,          // an IP fragment: not reassembled
  malformed,         // a header that does not parse
};

SegmentStatus decode_tcp_segment(const CapturedPacket& packet, TcpSegment& out, std::string& why);

}  // namespace kwire::tool::wire
