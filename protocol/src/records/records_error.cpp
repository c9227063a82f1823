// The error category of records_errc.
#include "kwire/protocol/records/records_error.hpp"

#include <string>

namespace kwire::protocol::records {
namespace {

class RecordsCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "kwire.records"; }
  std::string message(int ev) const override {
    switch (static_cast<records_errc>(ev)) {
      case records_errc::batch_too_short: return "record batch length is below the header size";
      case records_errc::truncated_batch: return "record batch is truncated";
      case records_errc::unsupported_magic: return "unsupported record batch magic";
      case records_errc::crc_mismatch: return "record batch CRC does not match";
      case records_errc::unsupported_codec: return "record batch names an unknown compression codec";
      case records_errc::invalid_record_count: return "record batch has a negative record count";
      case records_errc::record_count_mismatch: return "record batch holds a different number of records than its header says";
      case records_errc::invalid_record_length: return "record length is negative or runs past the batch";
      case records_errc::record_length_mismatch: return "record fields do not match the record length";
      case records_errc::invalid_varint: return "malformed varint in a record";
      case records_errc::invalid_field_length: return "invalid key, value or header length in a record";
      case records_errc::invalid_control_record: return "malformed control record";
      case records_errc::nested_compression: return "compressed message nested inside a compressed message";
      case records_errc::decompression_failed: return "record batch payload failed to decompress";
      case records_errc::decompressed_too_large: return "decompressed record batch exceeds the size limit";
      case records_errc::record_too_large: return "record is too large to encode";
    }
    return "unknown record batch error";
  }
};

}  // namespace

const std::error_category& records_category() noexcept {
  static const RecordsCategory category;
  return category;
}

}  // namespace kwire::protocol::records
