// read_capture: loads a capture file and hands it to the pcap or pcapng
// reader by its magic number (see capture_file.hpp).
#include "capture_file.hpp"

#include <fstream>
#include <iterator>

namespace kwire::tool::wire {

namespace {

// Captures are read whole; this keeps a mistaken path (a disk image) from
// exhausting memory.
constexpr std::size_t kMaxCaptureBytes = std::size_t{4} << 30;

std::uint32_t first_word(const std::vector<std::uint8_t>& b) {
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
}

}  // namespace

bool read_capture(const std::string& path, Capture& out, std::string& error, std::string& warning) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    error = "cannot open " + path;
    return false;
  }
  const auto size = static_cast<std::size_t>(in.tellg());
  if (size > kMaxCaptureBytes) {
    error = path + " is larger than 4 GiB";
    return false;
  }
  in.seekg(0);
  out.file.resize(size);
  if (size && !in.read(reinterpret_cast<char*>(out.file.data()), static_cast<std::streamsize>(size))) {
    error = "cannot read " + path;
    return false;
  }
  if (out.file.size() < 4) {
    error = path + " is too short for a capture file";
    return false;
  }
  switch (first_word(out.file)) {
    case 0x0A0D0D0A: return read_pcapng(out, error, warning);
    case 0xA1B2C3D4: case 0xD4C3B2A1: case 0xA1B23C4D: case 0x4D3CB2A1: return read_pcap(out, error, warning);
    default: error = path + " is neither pcap nor pcapng (unknown magic number)"; return false;
  }
}

}  // namespace kwire::tool::wire
