// Response framing without a socket: ResponseFrameReader turns a byte stream
// into length-prefixed frames, and parse_response_header() reads a frame's
// correlation id and finds its body. The connection's reader coroutine feeds
// the frame reader from the socket; the fuzz targets feed it directly.
//
// A frame announced at up to kUpfront bytes gets its whole buffer at once,
// and the socket reads straight into its final place: no regrowth, no copy
// (issue 13: doubling from 64 KiB copied, zero-filled and page-faulted a
// large Fetch response several times over). The buffer is still zero-filled
// once, as frames are std::vector (net::FramePtr), unless its storage is
// recycled (frame_recycler.hpp: frames of 1 MiB and more reuse the
// connection's earlier buffers). The connection may raise the bound for one
// frame with expect_at_most(): the request it answers asked for that much
// (a Fetch's max_bytes), so a buffer of that size is no more than we accepted.
// Beyond that bound memory follows the bytes that arrived, not the length a
// peer announces: the buffer starts at kUpfront and doubles only when full,
// so a peer that announces 1 GiB and sends 10 bytes costs kUpfront. Lengths
// above the configured maximum, or too short to hold a correlation id, are
// refused before anything is allocated.
//
// Thread: one reader per connection, used by the thread that owns it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "kwire/net/frame_recycler.hpp"
#include "kwire/protocol/wire/bytes.hpp"

namespace kwire::net {

class ResponseFrameReader {
 public:
  enum class Status {
    need_more,    // read next_buffer() and commit() again
    frame_ready,  // take_frame()
    too_large,    // the length prefix is above max_frame_bytes: the stream is unusable
    too_small,    // the length prefix cannot hold a correlation id: the stream is unusable
  };
  // Frames up to this size are allocated whole as soon as their length is in;
  // larger ones start here and double as they fill.
  static constexpr std::size_t kUpfront = 8 * 1024 * 1024;

  // `upfront_bytes` replaces kUpfront (tests and the fuzz target use small ones).
  explicit ResponseFrameReader(std::size_t max_frame_bytes, std::size_t upfront_bytes = kUpfront)
      : max_(max_frame_bytes), upfront_(upfront_bytes < 1 ? 1 : upfront_bytes), recycler_(FrameRecycler::create()) {}

  // The frame whose length comes next answers a request that asked for at
  // most `bytes` (0: unknown): a frame up to that size (and max_frame_bytes)
  // is allocated whole. Takes effect when the length prefix completes.
  void expect_at_most(std::size_t bytes) noexcept { expected_ = bytes; }

  // Where the next bytes go: the rest of the 4-byte length prefix, or the
  // rest of the frame's current chunk. Never empty while the stream is usable.
  std::span<std::uint8_t> next_buffer() noexcept;
  // `n` bytes (at most next_buffer().size()) were written into next_buffer().
  Status commit(std::size_t n);
  // The completed frame (without its prefix); the reader then starts the next one.
  std::shared_ptr<std::vector<std::uint8_t>> take_frame() noexcept;

  // The length prefix of the frame being read (valid once the prefix is in).
  std::uint32_t announced_size() const noexcept { return announced_; }
  // Bytes of the current frame received so far, and bytes allocated for it.
  std::size_t received() const noexcept { return filled_; }
  std::size_t allocated() const noexcept { return frame_ ? frame_->size() : 0; }
  // Buffers allocated for the current frame (1 when it was sized at once;
  // each regrowth adds one). Reset when the next frame's length is read.
  std::size_t allocations() const noexcept { return allocations_; }
  // Where large frames' buffers are kept for reuse.
  const FrameRecycler& recycler() const noexcept { return *recycler_; }

 private:
  std::size_t max_;
  std::size_t upfront_;
  std::size_t expected_ = 0;
  std::shared_ptr<FrameRecycler> recycler_;
  std::uint8_t prefix_[4] = {};
  std::size_t prefix_filled_ = 0;
  std::uint32_t announced_ = 0;
  std::shared_ptr<std::vector<std::uint8_t>> frame_;  // sized to the chunk being filled
  std::size_t filled_ = 0;
  std::size_t allocations_ = 0;
  bool broken_ = false;
};

struct ResponseHeader {
  std::int32_t correlation_id = 0;
  std::size_t body_offset = 0;  // where the response body starts in the frame
};

// Response header v0 (correlation id) or v1 (plus tagged fields, skipped).
// nullopt when the frame is too short or its tagged fields do not parse.
std::optional<ResponseHeader> parse_response_header(protocol::Bytes frame, bool flexible_header);

}  // namespace kwire::net
