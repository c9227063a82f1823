// Packets of a capture file, as the file stores them: classic pcap or pcapng
// (told apart by their first bytes), each packet with its link type. No
// libpcap. Used by `kwire wire check` and `kwire wire decode --pcap`; single
// thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kwire/protocol/wire/bytes.hpp"

namespace kwire::tool::wire {

// Link types we decode (tcpdump.org/linktypes.html).
enum LinkType : std::uint32_t {
  link_null = 0,        // BSD loopback: 4-byte address family, host byte order
  link_ethernet = 1,
  link_raw = 101,       // a bare IPv4 or IPv6 packet
  link_loop = 108,      // OpenBSD loopback: address family in network byte order
  link_linux_sll = 113,
  link_ipv4 = 228,
  link_ipv6 = 229,
  link_linux_sll2 = 276,
};

struct CapturedPacket {
  std::size_t number = 0;          // 1-based, as Wireshark counts
  std::uint32_t link_type = 0;
  std::uint32_t original_length = 0;  // on the wire; more than data.size() when the snap length cut it
  protocol::Bytes data;            // a view into the file's bytes
};

struct Capture {
  std::vector<std::uint8_t> file;  // owns the bytes the packets point into
  std::vector<CapturedPacket> packets;
  std::string format;              // "pcap" or "pcapng"
};

// Reads the whole file. False with a reason in `error` for a file that is
// neither format or is damaged; a file cut inside its last packet keeps the
// packets before it and says so in `warning`.
bool read_capture(const std::string& path, Capture& out, std::string& error, std::string& warning);

// The readers behind read_capture, over bytes already in memory
// (out.file must hold them; packets are appended).
bool read_pcap(Capture& out, std::string& error, std::string& warning);
bool read_pcapng(Capture& out, std::string& error, std::string& warning);

}  // namespace kwire::tool::wire
