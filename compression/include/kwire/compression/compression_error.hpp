// Errors from compressing or decompressing a payload.
#pragma once

#include <system_error>

namespace kwire::compression {

enum class compression_errc {
  unsupported_codec = 1,   // codec id outside 0..4
  invalid_level,           // compression.level out of the codec's range
  corrupt_input,           // the compressed bytes do not decode
  truncated_input,         // the compressed bytes end before the stream does
  checksum_mismatch,       // a checksum inside the compressed format failed
  output_limit_exceeded,   // decompressed data larger than the caller's cap
  codec_failure,           // the codec library failed for another reason
};

const std::error_category& compression_category() noexcept;

inline std::error_code make_error_code(compression_errc e) noexcept {
  return {static_cast<int>(e), compression_category()};
}

}  // namespace kwire::compression

template <>
struct std::is_error_code_enum<kwire::compression::compression_errc> : std::true_type {};
