// TCP reassembly for captures: segments are grouped into connections (a new
// SYN on a finished 4-tuple starts a new one) and, per direction, put in
// sequence order; retransmitted and reordered segments are resolved,
// overlapping bytes that differ are flagged, and a stream stops at the first
// byte the capture lacks (frames after a hole cannot be found). Everything is
// assembled once the whole capture is read. Single thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "tcp_segment.hpp"

namespace kwire::tool::wire {

// One direction of a connection, reassembled.
struct TcpStream {
  Endpoint from, to;
  std::vector<std::uint8_t> bytes;
  std::optional<std::size_t> hole_at;     // bytes from here on are missing from the capture
  std::size_t duplicate_segments = 0;     // retransmissions whose bytes were already there
  std::size_t reordered_segments = 0;     // segments captured after a later part of the stream
  std::optional<std::size_t> conflict_at; // a retransmission carried different bytes here
  bool saw_syn = false;

  // The number of the packet that carried the byte at `offset`.
  std::size_t packet_at(std::size_t offset) const;

 private:
  friend class TcpReassembler;
  std::vector<std::pair<std::size_t, std::size_t>> pieces_;  // (stream offset, packet), ascending
};

struct TcpConnection {
  std::size_t first_packet = 0;
  TcpStream a, b;  // a: the side that sent the first captured segment
  // The side that sent a SYN without ACK (0: a, 1: b), when the capture has it.
  std::optional<int> syn_side;
};

class TcpReassembler {
 public:
  void add(const TcpSegment& segment);
  // Connections in the order their first packet appears, streams assembled.
  std::vector<TcpConnection> finish();

 private:
  struct Pending {
    std::uint32_t sequence;
    std::size_t packet;
    protocol::Bytes payload;
    bool cut;
  };
  struct Side {
    Endpoint from, to;
    std::optional<std::uint32_t> isn;
    std::vector<Pending> segments;
  };
  struct Building {
    std::size_t first_packet = 0;
    Side sides[2];
    std::optional<int> syn_side;
    bool finished = false;  // FIN or RST seen: a new SYN starts a new connection
  };

  static void assemble(const Side& in, TcpStream& out);

  std::vector<Building> connections_;
  std::map<std::pair<Endpoint, Endpoint>, std::size_t> current_;  // (a, b) -> index in connections_
};

}  // namespace kwire::tool::wire
