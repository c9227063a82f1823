// TcpReassembler (see tcp_reassembly.hpp).
#include "tcp_reassembly.hpp"

#include <algorithm>
#include <cstring>

namespace kwire::tool::wire {

std::size_t TcpStream::packet_at(std::size_t offset) const {
  auto it = std::upper_bound(pieces_.begin(), pieces_.end(), offset,
                             [](std::size_t o, const auto& piece) { return o < piece.first; });
  if (it == pieces_.begin()) return 0;
  return std::prev(it)->second;
}

void TcpReassembler::add(const TcpSegment& s) {
  auto key = std::make_pair(s.source, s.destination);
  auto reverse = std::make_pair(s.destination, s.source);
  auto it = current_.find(key);
  int side = 0;
  if (it == current_.end()) {
    it = current_.find(reverse);
    side = 1;
  }
  const bool opening = s.syn && !s.ack;
  if (it != current_.end()) {
    Building& c = connections_[it->second];
    const Side& mine = c.sides[side];
    // A fresh SYN on a 4-tuple that is done (or carries a new initial sequence) is a new connection.
    if (opening && (c.finished || (mine.isn && *mine.isn != s.sequence))) {
      current_.erase(it);
      it = current_.end();
    }
  }
  if (it == current_.end()) {
    Building c;
    c.first_packet = s.packet;
    c.sides[0].from = s.source;
    c.sides[0].to = s.destination;
    c.sides[1].from = s.destination;
    c.sides[1].to = s.source;
    connections_.push_back(std::move(c));
    it = current_.emplace(key, connections_.size() - 1).first;
    side = 0;
  }
  Building& c = connections_[it->second];
  Side& mine = c.sides[side];
  if (s.syn) {
    mine.isn = s.sequence;
    if (opening && !c.syn_side) c.syn_side = side;
  }
  if (s.fin || s.rst) c.finished = true;
  if (!s.payload.empty() || s.payload_cut) {
    // Data on a SYN starts after the SYN's own sequence number.
    const std::uint32_t first = s.syn ? s.sequence + 1 : s.sequence;
    mine.segments.push_back({first, s.packet, s.payload, s.payload_cut});
  }
}

void TcpReassembler::assemble(const Side& in, TcpStream& out) {
  out.from = in.from;
  out.to = in.to;
  out.saw_syn = in.isn.has_value();
  if (in.segments.empty()) return;
  // Positions relative to the stream's first byte: after the SYN, or at the
  // lowest sequence number captured (segments lie within 2 GiB of each other).
  std::uint32_t base;
  if (in.isn) {
    base = *in.isn + 1;
  } else {
    base = in.segments.front().sequence;
    for (const auto& p : in.segments) {
      const auto delta = static_cast<std::int32_t>(p.sequence - base);
      if (delta < 0) base = p.sequence;
    }
  }
  struct Placed {
    std::uint64_t at;
    const Pending* segment;
  };
  std::vector<Placed> order;
  order.reserve(in.segments.size());
  for (const auto& p : in.segments) order.push_back({std::uint64_t{p.sequence - base}, &p});
  std::sort(order.begin(), order.end(), [](const Placed& x, const Placed& y) {
    return x.at != y.at ? x.at < y.at : x.segment->packet < y.segment->packet;
  });
  std::size_t latest_packet = 0;
  std::optional<std::size_t> cut_end;
  for (const auto& [at, seg] : order) {
    if (seg->packet < latest_packet) ++out.reordered_segments;
    latest_packet = std::max(latest_packet, seg->packet);
    const std::uint64_t have = out.bytes.size();
    const std::uint64_t end = at + seg->payload.size();
    if (at > have) {
      out.hole_at = out.bytes.size();
      return;
    }
    if (end <= have) {
      ++out.duplicate_segments;
    }
    // Bytes we already hold must be the same ones.
    const std::size_t overlap = static_cast<std::size_t>(std::min(end, have) - at);
    if (!out.conflict_at && overlap &&
        std::memcmp(out.bytes.data() + at, seg->payload.data(), overlap) != 0)
      out.conflict_at = static_cast<std::size_t>(at);
    if (end > have) {
      out.pieces_.emplace_back(out.bytes.size(), seg->packet);
      out.bytes.insert(out.bytes.end(), seg->payload.begin() + static_cast<std::ptrdiff_t>(overlap),
                       seg->payload.end());
    }
    // The snap length cut this segment: unless a later copy carries more,
    // the stream's end here is the capture's, not the sender's.
    if (seg->cut && at + seg->payload.size() >= out.bytes.size()) cut_end = out.bytes.size();
  }
  if (cut_end && *cut_end == out.bytes.size()) out.hole_at = out.bytes.size();
}

std::vector<TcpConnection> TcpReassembler::finish() {
  std::vector<TcpConnection> out;
  out.reserve(connections_.size());
  for (const auto& c : connections_) {
    TcpConnection conn;
    conn.first_packet = c.first_packet;
    conn.syn_side = c.syn_side;
    assemble(c.sides[0], conn.a);
    assemble(c.sides[1], conn.b);
    out.push_back(std::move(conn));
  }
  connections_.clear();
  current_.clear();
  return out;
}

}  // namespace kwire::tool::wire
