// What every generated message header needs and nothing more: the tagged
// field kept verbatim when its tag is unknown to us, and forward declarations
// of the wire Reader and Writer (kept out of message headers so they stay light).
#pragma once

#include <cstdint>

#include "kwire/protocol/wire/bytes.hpp"

namespace kwire::protocol {

class Reader;
class Writer;

// A tagged field of a flexible version that this code does not know. Decoding
// keeps it as a view into the received frame; encoding writes it back in tag
// order, so a message relayed by kwire loses nothing a newer peer added.
struct TaggedField {
  std::uint32_t tag = 0;
  Bytes data;
};

}  // namespace kwire::protocol
