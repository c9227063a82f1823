// Builds capture files by hand for the `kwire wire check` tests: TCP
// connections over IPv4 or IPv6, framed as Ethernet, Linux cooked (SLL,
// SLL2), BSD or OpenBSD loopback, written as classic pcap (either byte
// order, micro- or nanoseconds) or pcapng (either byte order). Segments may
// be split, reordered and duplicated at will. Header-only; single thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <list>
#include <string>
#include <vector>

namespace kwire::test {

using ByteVector = std::vector<std::uint8_t>;

enum class Link : std::uint32_t { null = 0, ethernet = 1, loop = 108, sll = 113, sll2 = 276 };

struct TcpPacket {
  bool from_client = true;
  std::uint32_t sequence = 0;
  std::uint8_t flags = 0x18;  // PSH|ACK
  ByteVector payload;
  std::uint16_t client_port = 0;  // 0: the builder's current connection
};

class CaptureBuilder {
 public:
  CaptureBuilder(Link link, bool ipv6 = false, std::uint16_t client_port = 50000, std::uint16_t server_port = 9092)
      : link_(link), ipv6_(ipv6), server_port_(server_port) {
    use_connection(client_port);
  }

  // Later packets belong to the connection from this client port (a new one
  // starts with fresh sequence numbers).
  void use_connection(std::uint16_t client_port) {
    if (current_) *current_ = conn_;
    auto it = std::find_if(connections_.begin(), connections_.end(),
                           [&](const Conn& c) { return c.client_port == client_port; });
    if (it == connections_.end()) {
      Conn c;
      c.client_port = client_port;
      c.client_isn = 1000u * client_port;
      c.server_isn = 7000u * client_port + 13;
      c.client_next = c.client_isn + 1;
      c.server_next = c.server_isn + 1;
      connections_.push_back(c);
      it = std::prev(connections_.end());
    }
    conn_ = *it;
    current_ = &*it;
  }

  // SYN, SYN-ACK, ACK with these initial sequence numbers.
  void handshake() {
    add({true, conn_.client_isn, 0x02, {}});
    add({false, conn_.server_isn, 0x12, {}});
    add({true, conn_.client_isn + 1, 0x10, {}});
  }
  // Appends bytes to one direction's stream, as segments of at most `mss` bytes.
  std::vector<TcpPacket> stream(bool from_client, const ByteVector& bytes, std::size_t mss = 1400) {
    std::vector<TcpPacket> out;
    std::uint32_t& next = from_client ? conn_.client_next : conn_.server_next;
    for (std::size_t at = 0; at < bytes.size(); at += mss) {
      const std::size_t n = std::min(mss, bytes.size() - at);
      out.push_back({from_client, next, 0x18,
                     ByteVector(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                                bytes.begin() + static_cast<std::ptrdiff_t>(at + n)),
                     conn_.client_port});
      next += static_cast<std::uint32_t>(n);
    }
    return out;
  }
  void add(const TcpPacket& p) { packets_.push_back(frame(p)); }
  void add_all(const std::vector<TcpPacket>& ps) {
    for (const auto& p : ps) add(p);
  }
  // Sends the frames as they come (one segment per frame unless longer than mss).
  void send(bool from_client, const ByteVector& frame, std::size_t mss = 1400) { add_all(stream(from_client, frame, mss)); }

  ByteVector pcap(bool little_endian = true, bool nanoseconds = false) const {
    ByteVector out;
    Put put{out, little_endian};
    put.u32(nanoseconds ? 0xA1B23C4D : 0xA1B2C3D4);
    put.u16(2);
    put.u16(4);
    put.u32(0);
    put.u32(0);
    put.u32(262144);
    put.u32(static_cast<std::uint32_t>(link_));
    std::uint32_t t = 0;
    for (const auto& p : packets_) {
      put.u32(1700000000);
      put.u32(++t);
      put.u32(static_cast<std::uint32_t>(p.size()));
      put.u32(static_cast<std::uint32_t>(p.size()));
      out.insert(out.end(), p.begin(), p.end());
    }
    return out;
  }

  ByteVector pcapng(bool little_endian = true) const {
    ByteVector out;
    Put put{out, little_endian};
    put.u32(0x0A0D0D0A);  // section header
    put.u32(28);
    put.u32(0x1A2B3C4D);
    put.u16(1);
    put.u16(0);
    put.u64(~std::uint64_t{0});  // section length unknown
    put.u32(28);
    put.u32(1);  // interface description
    put.u32(20);
    put.u16(static_cast<std::uint16_t>(link_));
    put.u16(0);
    put.u32(262144);
    put.u32(20);
    std::uint32_t t = 0;
    for (const auto& p : packets_) {
      const std::uint32_t padded = static_cast<std::uint32_t>((p.size() + 3) / 4 * 4);
      put.u32(6);  // enhanced packet
      put.u32(32 + padded);
      put.u32(0);
      put.u32(0);
      put.u32(++t);
      put.u32(static_cast<std::uint32_t>(p.size()));
      put.u32(static_cast<std::uint32_t>(p.size()));
      out.insert(out.end(), p.begin(), p.end());
      out.resize(out.size() + (padded - p.size()), 0);
      put.u32(32 + padded);
    }
    return out;
  }

  static void write(const std::string& path, const ByteVector& bytes) {
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }

 private:
  struct Put {
    ByteVector& out;
    bool little;
    void n(std::uint64_t v, int bytes) {
      for (int i = 0; i < bytes; ++i) {
        const int shift = little ? 8 * i : 8 * (bytes - 1 - i);
        out.push_back(static_cast<std::uint8_t>(v >> shift));
      }
    }
    void u16(std::uint16_t v) { n(v, 2); }
    void u32(std::uint32_t v) { n(v, 4); }
    void u64(std::uint64_t v) { n(v, 8); }
  };

  ByteVector frame(const TcpPacket& p) const {
    ByteVector tcp;
    Put be{tcp, false};
    const std::uint16_t client = p.client_port ? p.client_port : conn_.client_port;
    be.u16(p.from_client ? client : server_port_);
    be.u16(p.from_client ? server_port_ : client);
    be.u32(p.sequence);
    be.u32(0);
    tcp.push_back(5 << 4);
    tcp.push_back(p.flags);
    be.u16(65535);
    be.u16(0);  // checksum: not checked by readers of captures
    be.u16(0);
    tcp.insert(tcp.end(), p.payload.begin(), p.payload.end());

    ByteVector ip;
    Put ipb{ip, false};
    if (!ipv6_) {
      ipb.n(0x4500, 2);
      ipb.u16(static_cast<std::uint16_t>(20 + tcp.size()));
      ipb.u32(0x00004000);  // id 0, don't fragment
      ip.push_back(64);
      ip.push_back(6);
      ipb.u16(0);
      ipb.u32(0x7F000001);
      ipb.u32(0x7F000001);
      std::uint32_t sum = 0;
      for (std::size_t i = 0; i < 20; i += 2) sum += (ip[i] << 8) | ip[i + 1];
      while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
      ip[10] = static_cast<std::uint8_t>(~sum >> 8);
      ip[11] = static_cast<std::uint8_t>(~sum);
    } else {
      ipb.u32(0x60000000);
      ipb.u16(static_cast<std::uint16_t>(tcp.size()));
      ip.push_back(6);
      ip.push_back(64);
      for (int side = 0; side < 2; ++side) {
        ip.insert(ip.end(), 15, 0);
        ip.push_back(1);  // ::1
      }
    }
    ip.insert(ip.end(), tcp.begin(), tcp.end());

    ByteVector out;
    Put be_out{out, false};
    const std::uint16_t ether_type = ipv6_ ? 0x86DD : 0x0800;
    switch (link_) {
      case Link::ethernet:
        out.insert(out.end(), 12, 0);
        be_out.u16(ether_type);
        break;
      case Link::sll:
        be_out.u16(p.from_client ? 4 : 0);  // packet type: outgoing / to us
        be_out.u16(772);                    // ARPHRD_LOOPBACK
        be_out.u16(6);
        out.insert(out.end(), 8, 0);
        be_out.u16(ether_type);
        break;
      case Link::sll2:
        be_out.u16(ether_type);
        be_out.u16(0);
        be_out.u32(1);  // interface index
        be_out.u16(772);
        out.push_back(p.from_client ? 4 : 0);
        out.push_back(6);
        out.insert(out.end(), 8, 0);
        break;
      case Link::null: {
        Put host{out, true};  // written on a little-endian host
        host.u32(ipv6_ ? 30 : 2);
        break;
      }
      case Link::loop: be_out.u32(ipv6_ ? 24 : 2); break;
    }
    out.insert(out.end(), ip.begin(), ip.end());
    return out;
  }

  struct Conn {
    std::uint16_t client_port = 0;
    std::uint32_t client_isn = 0, server_isn = 0, client_next = 0, server_next = 0;
  };

  Link link_;
  bool ipv6_;
  std::uint16_t server_port_;
  std::list<Conn> connections_;  // stable addresses
  Conn conn_;
  Conn* current_ = nullptr;
  std::vector<ByteVector> packets_;
};

// A frame on the wire: the 4-byte size, then the body.
inline ByteVector sized(const ByteVector& body) {
  ByteVector out{static_cast<std::uint8_t>(body.size() >> 24), static_cast<std::uint8_t>(body.size() >> 16),
                 static_cast<std::uint8_t>(body.size() >> 8), static_cast<std::uint8_t>(body.size())};
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

}  // namespace kwire::test
