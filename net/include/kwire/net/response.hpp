// What a request returns: an error code, and the decoded response together
// with the frame it was decoded from. The generated structs' Bytes fields are
// views into that frame, so the shared_ptr must be kept as long as they are
// used. Any thread (plain values).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <system_error>
#include <vector>

namespace kwire::net {

using FramePtr = std::shared_ptr<const std::vector<std::uint8_t>>;

template <typename T>
struct Response {
  FramePtr frame;            // the whole response frame (header included)
  T body{};
  std::int16_t version = -1;  // the version it was sent and decoded with
};

// Use as `auto [ec, response] = co_await ...;`.
template <typename T>
struct Result {
  std::error_code error;
  Response<T> response;
};

// An undecoded response: the frame, and where the body starts in it.
struct RawResponse {
  FramePtr frame;
  std::size_t body_offset = 0;
};

struct SendOptions {
  // Highest version to use even if both sides know a newer one.
  std::optional<std::int16_t> max_version;
  // Overrides the connection's request.timeout.ms for this request.
  std::optional<std::chrono::milliseconds> timeout;
  // When set, becomes true as the request's write begins (from then on the
  // broker may act on it) and stays false if it never left the queue: the
  // exact answer to "was it sent?" whatever the error. Must outlive the send.
  bool* written = nullptr;
  // Lowest version whose meaning this request needs (a field the older ones
  // lack); below it the send fails with net_errc::no_common_version. Last, so
  // positional initializers of the fields above keep their meaning.
  std::optional<std::int16_t> min_version = std::nullopt;
  // The largest answer this request can get (a Fetch: its max_bytes plus
  // framing), 0 if unknown: an answer up to that size is read into one
  // buffer allocated when its length arrives (frame_reader.hpp).
  std::size_t response_bytes = 0;
};

}  // namespace kwire::net
