// split_frames (see kafka_frames.hpp).
#include "kafka_frames.hpp"

namespace kwire::tool::wire {

SplitStream split_frames(const TcpStream& stream, std::size_t max_frame_bytes) {
  SplitStream out;
  const protocol::Bytes all(stream.bytes);
  std::size_t at = 0;
  auto stop = [&](const char* kind, std::string detail) {
    out.problem = Violation{kind, "", at, std::move(detail)};
  };
  while (at < all.size()) {
    if (all.size() - at < 4) {
      stop(stream.hole_at ? "capture_incomplete" : "truncated_frame",
           "the stream ends " + std::to_string(all.size() - at) + " bytes into a size prefix");
      break;
    }
    const std::int32_t size = static_cast<std::int32_t>((std::uint32_t{all[at]} << 24) | (std::uint32_t{all[at + 1]} << 16) |
                                                        (std::uint32_t{all[at + 2]} << 8) | all[at + 3]);
    if (size < 0) {
      stop("invalid_frame_size", "negative frame size " + std::to_string(size));
      break;
    }
    if (static_cast<std::size_t>(size) > max_frame_bytes) {
      stop("invalid_frame_size", "frame size " + std::to_string(size) + " is above the limit of " +
                                     std::to_string(max_frame_bytes) + " bytes");
      break;
    }
    if (static_cast<std::size_t>(size) > all.size() - at - 4) {
      stop(stream.hole_at ? "capture_incomplete" : "truncated_frame",
           "the stream ends " + std::to_string(all.size() - at - 4) + " bytes into a frame of " +
               std::to_string(size) + (stream.hole_at ? " (the capture lacks the rest)" : ""));
      break;
    }
    out.frames.push_back({at, stream.packet_at(at), all.subspan(at + 4, static_cast<std::size_t>(size))});
    at += 4 + static_cast<std::size_t>(size);
  }
  if (!out.problem && stream.hole_at && *stream.hole_at == all.size() && at == all.size() && stream.hole_at > 0) {
    // The hole fell on a frame boundary: the frames before it are whole, what followed is unknown.
    out.problem = Violation{"capture_incomplete", "", at, "the capture lacks the bytes after this point"};
  }
  return out;
}

}  // namespace kwire::tool::wire
