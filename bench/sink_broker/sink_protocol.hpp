// The sink broker's answers, on kwire's wire primitives: ApiVersions (v0-v3),
// Metadata (v1-v8), InitProducerId (v0-v1) and Produce (v3-v8), the versions
// whose bodies are not flexible (plus ApiVersions v3, which clients try
// first). Produce batches are counted, not stored, and get increasing offsets.
// Called from any connection thread.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "kwire/protocol/wire/bytes.hpp"
#include "sink_state.hpp"

namespace kwire::bench {

struct SinkAnswer {
  enum class Kind { respond, no_response, close } kind = Kind::close;
  std::vector<std::uint8_t> frame;  // the response, with its 4-byte length prefix
  bool is_produce = false;          // the optional delay applies to Produce only
};

// Answers one request frame (without its length prefix). An API or version it
// does not serve, or a malformed request, closes the connection as a broker would.
SinkAnswer answer_request(kwire::protocol::Bytes request, SinkState& state);

}  // namespace kwire::bench
