// Classic pcap files (tcpdump's format): a 24-byte file header whose magic
// number gives the byte order and the time resolution (micro- or
// nanoseconds), then per packet a 16-byte record header and the captured
// bytes. The link type is the file's (its low 28 bits: the upper bits may
// carry FCS information). See capture_file.hpp.
#include "byte_cursor.hpp"
#include "capture_file.hpp"

namespace kwire::tool::wire {

bool read_pcap(Capture& out, std::string& error, std::string& warning) {
  out.format = "pcap";
  ByteCursor file(out.file);
  const std::uint32_t magic = file.u32();
  // 0xA1B2C3D4 (microseconds) and 0xA1B23C4D (nanoseconds), written in the
  // writer's byte order: read big-endian, the swapped forms mean little-endian.
  file.set_little_endian(magic == 0xD4C3B2A1 || magic == 0x4D3CB2A1);
  const std::uint16_t major = file.u16();
  file.u16();  // minor version
  file.u32();  // this zone
  file.u32();  // sigfigs
  file.u32();  // snap length
  const std::uint32_t link_type = file.u32() & 0x0FFFFFFF;
  if (!file.ok()) {
    error = "pcap file header is cut short";
    return false;
  }
  if (major != 2) {
    error = "pcap version " + std::to_string(major) + " is not 2";
    return false;
  }
  while (file.remaining() > 0) {
    const std::size_t record_at = file.position();
    file.u32();  // seconds
    file.u32();  // micro- or nanoseconds
    const std::uint32_t captured = file.u32();
    const std::uint32_t original = file.u32();
    auto data = file.take(captured);
    if (!file.ok()) {
      warning = "the file ends inside the packet record at byte " + std::to_string(record_at);
      break;
    }
    CapturedPacket p;
    p.number = out.packets.size() + 1;
    p.link_type = link_type;
    p.original_length = original;
    p.data = data;
    out.packets.push_back(p);
  }
  return true;
}

}  // namespace kwire::tool::wire
