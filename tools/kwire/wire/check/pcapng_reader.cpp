// pcapng files: a sequence of blocks (type, total length, body, total length
// again). A Section Header Block fixes the byte order of its section (its
// byte-order magic) and resets the interfaces; Interface Description Blocks
// give each interface's link type and snap length; Enhanced, Simple and the
// obsolete Packet Blocks hold packets. Other blocks (statistics, name
// resolution, custom) are skipped. See capture_file.hpp.
#include <vector>

#include "byte_cursor.hpp"
#include "capture_file.hpp"

namespace kwire::tool::wire {

namespace {

constexpr std::uint32_t kSectionHeader = 0x0A0D0D0A;
constexpr std::uint32_t kInterfaceDescription = 1;
constexpr std::uint32_t kObsoletePacket = 2;
constexpr std::uint32_t kSimplePacket = 3;
constexpr std::uint32_t kEnhancedPacket = 6;
constexpr std::uint32_t kByteOrderMagic = 0x1A2B3C4D;

struct Interface {
  std::uint32_t link_type = 0;
  std::uint32_t snap_length = 0;
};

}  // namespace

bool read_pcapng(Capture& out, std::string& error, std::string& warning) {
  out.format = "pcapng";
  const protocol::Bytes all(out.file);
  std::vector<Interface> interfaces;
  bool little = false;
  std::size_t at = 0;
  while (at < all.size()) {
    if (all.size() - at < 12) {
      warning = "the file ends inside a block header at byte " + std::to_string(at);
      break;
    }
    ByteCursor head(all.subspan(at, 12), little);
    const std::uint32_t type = head.u32();
    if (type == kSectionHeader) {
      // The byte order of this section comes from its magic, after the length.
      ByteCursor bom(all.subspan(at + 8, 4));
      const std::uint32_t magic = bom.u32();
      if (magic != kByteOrderMagic && magic != 0x4D3C2B1A) {
        error = "bad byte-order magic in the section header at byte " + std::to_string(at);
        return false;
      }
      little = magic != kByteOrderMagic;
      interfaces.clear();
      head = ByteCursor(all.subspan(at, 12), little);
      head.u32();
    }
    const std::uint32_t length = head.u32();
    if (length < 12 || length % 4 != 0) {
      error = "bad block length " + std::to_string(length) + " at byte " + std::to_string(at);
      return false;
    }
    if (length > all.size() - at) {
      warning = "the file ends inside the block at byte " + std::to_string(at);
      break;
    }
    ByteCursor body(all.subspan(at + 8, length - 12), little);
    ByteCursor tail(all.subspan(at + length - 4, 4), little);
    if (tail.u32() != length) {
      error = "block at byte " + std::to_string(at) + " has different leading and trailing lengths";
      return false;
    }
    CapturedPacket p;
    bool is_packet = false;
    std::uint32_t interface_id = 0;
    if (type == kInterfaceDescription) {
      Interface i;
      i.link_type = body.u16();
      body.u16();  // reserved
      i.snap_length = body.u32();
      interfaces.push_back(i);
    } else if (type == kEnhancedPacket || type == kObsoletePacket) {
      if (type == kEnhancedPacket) {
        interface_id = body.u32();
      } else {
        interface_id = body.u16();
        body.u16();  // drops count
      }
      body.u32();  // timestamp, high
      body.u32();  // timestamp, low
      const std::uint32_t captured = body.u32();
      p.original_length = body.u32();
      p.data = body.take(captured);
      is_packet = true;
    } else if (type == kSimplePacket) {
      p.original_length = body.u32();
      std::uint32_t captured = p.original_length;
      if (!interfaces.empty() && interfaces[0].snap_length && interfaces[0].snap_length < captured)
        captured = interfaces[0].snap_length;
      if (captured > body.remaining()) captured = static_cast<std::uint32_t>(body.remaining());
      p.data = body.take(captured);
      is_packet = true;
    }
    if (!body.ok()) {
      error = "block of type " + std::to_string(type) + " at byte " + std::to_string(at) + " is cut short";
      return false;
    }
    if (is_packet) {
      if (interface_id >= interfaces.size()) {
        error = "packet at byte " + std::to_string(at) + " names interface " + std::to_string(interface_id) +
                ", which no Interface Description Block declared";
        return false;
      }
      p.link_type = interfaces[interface_id].link_type;
      p.number = out.packets.size() + 1;
      out.packets.push_back(p);
    }
    at += length;
  }
  return true;
}

}  // namespace kwire::tool::wire
