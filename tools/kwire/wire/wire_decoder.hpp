// Reads a message body with the generated schema table (message_schema.hpp)
// into JSON with the spec's field names, and, when asked, checks what a
// lenient reader lets pass: varints longer than needed, tagged fields out of
// order or repeated, null where the version forbids it, record batches whose
// length or CRC is wrong, and where a read ran past the end. Each finding is
// a Violation with its field path and offset. Single thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "json.hpp"
#include "kwire/protocol/message_schema.hpp"
#include "kwire/protocol/wire/reader.hpp"
#include "violation.hpp"

namespace kwire::tool {

struct DecodeChecks {
  std::vector<Violation> found;
  // Added to reader positions in reported offsets (the frame's size prefix, say).
  std::size_t base_offset = 0;
  // Fetch responses may end their records in a batch the broker cut at its byte limit.
  bool records_may_end_partial = false;
};

// Reads one message; on a wire error the reader holds it, the JSON is partial
// and (with checks) a violation says where. Trailing bytes are the caller's.
Json decode_message(const protocol::MessageSchema& m, std::int16_t version, protocol::Reader& r,
                    DecodeChecks* checks);

}  // namespace kwire::tool
