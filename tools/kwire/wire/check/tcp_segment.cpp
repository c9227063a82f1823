// decode_tcp_segment (see tcp_segment.hpp): link header, IP header, TCP header.
#include "tcp_segment.hpp"

#include <cstdio>

#include "byte_cursor.hpp"

namespace kwire::tool::wire {

namespace {

constexpr std::uint16_t kEtherIpv4 = 0x0800, kEtherIpv6 = 0x86DD, kEtherVlan = 0x8100, kEtherQinQ = 0x88A8;
constexpr std::uint8_t kProtoTcp = 6;

// The network-layer bytes of a packet and their EtherType (0 when the link
// type says only "IP": the version nibble decides).
bool network_layer(const CapturedPacket& p, protocol::Bytes& ip, std::uint16_t& ether_type, SegmentStatus& status) {
  ByteCursor c(p.data);
  switch (p.link_type) {
    case link_ethernet:
      c.skip(12);  // destination and source MAC
      ether_type = c.u16();
      while (ether_type == kEtherVlan || ether_type == kEtherQinQ) {
        c.u16();  // tag control
        ether_type = c.u16();
      }
      break;
    case link_linux_sll:
      c.skip(14);  // packet type, ARPHRD type, address length, 8 address bytes
      ether_type = c.u16();
      break;
    case link_linux_sll2:
      ether_type = c.u16();
      c.skip(18);  // reserved, interface index, ARPHRD type, packet type, address length, address
      break;
    case link_null:
    case link_loop: {
      // The address family: host order for NULL (either order is possible), network order for LOOP.
      ByteCursor f(p.data, p.link_type == link_null && p.data.size() >= 4 && p.data[0] != 0);
      const std::uint32_t family = f.u32();
      c.skip(4);
      if (family == 2) ether_type = kEtherIpv4;
      else if (family == 10 || family == 24 || family == 28 || family == 30) ether_type = kEtherIpv6;
      else ether_type = 1;  // something else
      break;
    }
    case link_raw: ether_type = 0; break;
    case link_ipv4: ether_type = kEtherIpv4; break;
    case link_ipv6: ether_type = kEtherIpv6; break;
    default: status = SegmentStatus::unsupported_link; return false;
  }
  if (!c.ok()) {
    status = SegmentStatus::malformed;
    return false;
  }
  ip = p.data.subspan(c.position());
  if (ether_type == 0 && !ip.empty()) ether_type = (ip[0] >> 4) == 6 ? kEtherIpv6 : kEtherIpv4;
  if (ether_type != kEtherIpv4 && ether_type != kEtherIpv6) {
    status = SegmentStatus::other_protocol;
    return false;
  }
  return true;
}

// The TCP bytes of an IP packet; `carried` is what the IP header says they
// were on the wire (more than tcp.size() when the capture cut the packet).
SegmentStatus ip_payload(protocol::Bytes ip, bool v6, TcpSegment& out, protocol::Bytes& tcp, std::size_t& carried) {
  ByteCursor c(ip);
  std::uint8_t protocol = 0;
  std::size_t header = 0, total = 0;
  if (!v6) {
    const std::uint8_t vihl = c.u8();
    header = static_cast<std::size_t>(vihl & 0x0Fu) * 4;
    c.u8();  // DSCP/ECN
    total = c.u16();
    c.u16();  // identification
    const std::uint16_t fragment = c.u16();
    c.u8();  // TTL
    protocol = c.u8();
    c.u16();  // checksum
    auto src = c.take(4), dst = c.take(4);
    if (!c.ok() || (vihl >> 4) != 4 || header < 20 || total < header) return SegmentStatus::malformed;
    if ((fragment & 0x3FFF) != 0) return SegmentStatus::fragment;  // more fragments, or an offset
    std::copy(src.begin(), src.end(), out.source.address.begin());
    std::copy(dst.begin(), dst.end(), out.destination.address.begin());
  } else {
    const std::uint32_t first = c.u32();
    const std::size_t payload_length = c.u16();
    protocol = c.u8();
    c.u8();  // hop limit
    auto src = c.take(16), dst = c.take(16);
    if (!c.ok() || (first >> 28) != 6) return SegmentStatus::malformed;
    std::copy(src.begin(), src.end(), out.source.address.begin());
    std::copy(dst.begin(), dst.end(), out.destination.address.begin());
    out.source.v6 = out.destination.v6 = true;
    header = 40;
    total = 40 + payload_length;
    // Hop-by-hop, routing and destination options headers: next header, length in 8-byte units.
    while (protocol == 0 || protocol == 43 || protocol == 60 || protocol == 44) {
      if (protocol == 44) return SegmentStatus::fragment;
      ByteCursor ext(ip.subspan(std::min(header, ip.size())));
      protocol = ext.u8();
      const std::size_t length = (std::size_t{ext.u8()} + 1) * 8;
      if (!ext.ok()) return SegmentStatus::malformed;
      header += length;
    }
  }
  if (protocol != kProtoTcp) return SegmentStatus::other_protocol;
  // Linux captures of outgoing packets with segmentation offload may say 0.
  if (total == 0) total = ip.size();
  if (header > ip.size()) return SegmentStatus::malformed;
  carried = total - std::min(total, header);
  tcp = ip.subspan(header, std::min(ip.size() - header, carried));
  return SegmentStatus::tcp;
}

}  // namespace

std::string Endpoint::text() const {
  char buf[64];
  if (!v6) {
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u:%u", address[0], address[1], address[2], address[3], port);
    return buf;
  }
  std::string out = "[";
  for (int i = 0; i < 16; i += 2) {
    std::snprintf(buf, sizeof buf, "%s%x", i ? ":" : "", (address[i] << 8) | address[i + 1]);
    out += buf;
  }
  return out + "]:" + std::to_string(port);
}

SegmentStatus decode_tcp_segment(const CapturedPacket& packet, TcpSegment& out, std::string& why) {
  out = TcpSegment{};
  out.packet = packet.number;
  protocol::Bytes ip;
  std::uint16_t ether_type = 0;
  SegmentStatus status = SegmentStatus::tcp;
  if (!network_layer(packet, ip, ether_type, status)) {
    if (status == SegmentStatus::unsupported_link) why = "link type " + std::to_string(packet.link_type);
    return status;
  }
  protocol::Bytes tcp;
  std::size_t carried = 0;
  status = ip_payload(ip, ether_type == kEtherIpv6, out, tcp, carried);
  if (status != SegmentStatus::tcp) {
    if (status == SegmentStatus::malformed) why = "IP header";
    return status;
  }
  ByteCursor c(tcp);
  out.source.port = c.u16();
  out.destination.port = c.u16();
  out.sequence = c.u32();
  c.u32();  // acknowledgement number
  const std::uint8_t offset = c.u8();
  const std::uint8_t flags = c.u8();
  const std::size_t header = static_cast<std::size_t>(offset >> 4) * 4;
  if (!c.ok() || header < 20 || header > tcp.size()) {
    why = "TCP header";
    return SegmentStatus::malformed;
  }
  out.fin = flags & 0x01;
  out.syn = flags & 0x02;
  out.rst = flags & 0x04;
  out.ack = flags & 0x10;
  out.payload = tcp.subspan(header);
  out.payload_cut = carried > tcp.size();
  return SegmentStatus::tcp;
}

}  // namespace kwire::tool::wire
