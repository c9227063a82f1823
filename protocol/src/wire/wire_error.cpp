#include "kwire/protocol/wire/wire_error.hpp"

#include <string>

namespace kwire::protocol {
namespace {

class WireCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "kwire.wire"; }
  std::string message(int code) const override {
    switch (static_cast<wire_errc>(code)) {
      case wire_errc::truncated: return "frame truncated: read past the end";
      case wire_errc::invalid_length: return "invalid length field";
      case wire_errc::varint_too_long: return "varint longer than its type allows";
      case wire_errc::length_over_limit: return "length above the configured limit";
      case wire_errc::unexpected_null: return "null value where none is allowed";
      case wire_errc::unsupported_version: return "message version not supported";
      case wire_errc::non_default_ignorable:
        return "field set to a non-default value that this version cannot carry";
      case wire_errc::trailing_bytes: return "unexpected bytes after the message";
      case wire_errc::corrupt_record: return "corrupt record data";
      case wire_errc::crc_mismatch: return "checksum mismatch";
    }
    return "unknown wire error";
  }
};

}  // namespace

const std::error_category& wire_category() noexcept {
  static const WireCategory category;
  return category;
}

}  // namespace kwire::protocol
