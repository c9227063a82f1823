// Errors raised while decoding bytes from the wire (distinct from the error
// codes a broker sends, which live in the Kafka error category).
#pragma once

#include <system_error>

namespace kwire::protocol {

enum class wire_errc {
  truncated = 1,          // a read ran past the end of the frame
  invalid_length,         // a negative length other than -1 (null), or one past the end
  varint_too_long,        // a varint with more than 5 (or 10) bytes
  length_over_limit,      // a length above the configured hard cap
  unexpected_null,        // null where the version does not allow it
  unsupported_version,    // a version outside the message's valid range
  non_default_ignorable,  // a set field that this version cannot carry
  trailing_bytes,         // bytes left after a complete message
  corrupt_record,         // a record batch or message failing its checks
  crc_mismatch,           // a checksum did not match
};

const std::error_category& wire_category() noexcept;

inline std::error_code make_error_code(wire_errc e) noexcept {
  return {static_cast<int>(e), wire_category()};
}

}  // namespace kwire::protocol

template <>
struct std::is_error_code_enum<kwire::protocol::wire_errc> : std::true_type {};
