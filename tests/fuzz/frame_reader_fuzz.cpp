// Fuzz target for response framing (net/src/frame_reader.cpp), the code
// between a broker's socket and every decoder. Input: byte 0 picks the
// frame size limit (16 B .. 8 MiB, byte 0 % 20) and the size allocated at
// once (16 B .. 64 KiB, byte 0 / 20), byte 1 the size of each simulated socket
// read (1 .. 256 bytes, or whatever the reader asks for when 0), the rest is
// the byte stream. Checks: frames come out exactly as announced; a refused
// length is above the limit or below 4; a frame announced at up to the
// up-front size gets exactly one buffer; beyond it memory follows the bytes
// received (at most the up-front size or twice what arrived, never more than
// the announced size);
// both response header versions parse inside the frame.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "kwire/net/frame_reader.hpp"

using kwire::net::ResponseFrameReader;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t max_frame = std::size_t{16} << (data[0] % 20);
  const std::size_t read_size = data[1];
  const std::uint8_t* stream = data + 2;
  std::size_t left = size - 2;
  const std::size_t upfront = std::size_t{16} << (data[0] / 20);
  ResponseFrameReader reader(max_frame, upfront);
  while (left > 0) {
    auto buffer = reader.next_buffer();
    if (buffer.empty()) std::abort();  // usable streams always take bytes
    const std::size_t n = std::min({buffer.size(), left, read_size == 0 ? buffer.size() : read_size});
    std::memcpy(buffer.data(), stream, n);
    stream += n;
    left -= n;
    const auto status = reader.commit(n);
    if (reader.allocated() > std::max(upfront, 2 * reader.received()) ||
        reader.allocated() > reader.announced_size())
      std::abort();
    if (reader.allocations() > 1 && reader.announced_size() <= upfront) std::abort();
    if (status == ResponseFrameReader::Status::too_large) {
      if (reader.announced_size() <= max_frame || !reader.next_buffer().empty()) std::abort();
      return 0;
    }
    if (status == ResponseFrameReader::Status::too_small) {
      if (reader.announced_size() >= 4 || !reader.next_buffer().empty()) std::abort();
      return 0;
    }
    if (status == ResponseFrameReader::Status::frame_ready) {
      const std::uint32_t announced = reader.announced_size();
      auto frame = reader.take_frame();
      if (!frame || frame->size() != announced) std::abort();
      for (bool flexible : {false, true}) {
        auto header = kwire::net::parse_response_header(*frame, flexible);
        if (header && (header->body_offset > frame->size() || header->body_offset < 4)) std::abort();
        if (!flexible && !header) std::abort();  // 4 bytes always hold a correlation id
      }
    }
  }
  return 0;
}
