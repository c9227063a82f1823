// The error category of compression_errc.
#include "kwire/compression/compression_error.hpp"

#include <string>

namespace kwire::compression {
namespace {

class CompressionCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "kwire.compression"; }
  std::string message(int ev) const override {
    switch (static_cast<compression_errc>(ev)) {
      case compression_errc::unsupported_codec: return "unsupported compression codec";
      case compression_errc::invalid_level: return "compression level out of range for the codec";
      case compression_errc::corrupt_input: return "compressed data is corrupt";
      case compression_errc::truncated_input: return "compressed data is truncated";
      case compression_errc::checksum_mismatch: return "checksum inside compressed data does not match";
      case compression_errc::output_limit_exceeded: return "decompressed data exceeds the size limit";
      case compression_errc::codec_failure: return "compression library failure";
    }
    return "unknown compression error";
  }
};

}  // namespace

const std::error_category& compression_category() noexcept {
  static const CompressionCategory category;
  return category;
}

}  // namespace kwire::compression
