// Checks one paired Kafka frame against the specs: decodes its header and
// body with the schema table (wire_decoder.hpp), reports each violation with
// its field path and offset, checks that nothing follows the message, and
// has the generated message structs decode and re-encode it: a conforming
// frame comes back byte for byte. Optionally keeps the JSON. Single thread.
#pragma once

#include <string>
#include <vector>

#include "frame_pairing.hpp"
#include "wire/json.hpp"

namespace kwire::tool::wire {

struct FrameCheck {
  bool decoded = false;    // header and body read to their end
  bool identical = false;  // the generated structs re-encode the same bytes
  std::int16_t header_version = -1;
  std::string message;     // "ProduceRequest"
  std::vector<Violation> violations;
  Json header, body;       // with want_json
};

FrameCheck check_frame(const FrameInfo& frame, bool want_json);

}  // namespace kwire::tool::wire
