// Errors found while reading record batches and legacy message sets.
#pragma once

#include <system_error>

namespace kwire::protocol::records {

enum class records_errc {
  batch_too_short = 1,      // batch length below the fixed header size
  truncated_batch,          // the blob ends inside a batch (when partial tails are not allowed)
  unsupported_magic,        // magic byte other than 0, 1 or 2
  crc_mismatch,             // the batch's or message's checksum does not match
  unsupported_codec,        // attribute bits name no known codec
  invalid_record_count,     // negative record count
  record_count_mismatch,    // fewer or more records than the header says
  invalid_record_length,    // a record's length prefix is negative or past the batch end
  record_length_mismatch,   // a record's fields do not fill exactly its length
  invalid_varint,           // a varint longer than allowed or cut short
  invalid_field_length,     // a key, value or header length that is negative (not -1) or too long
  invalid_control_record,   // a control batch record that is not a valid marker
  nested_compression,       // a compressed legacy message inside another
  decompression_failed,     // the codec rejected the data (see the log for the codec error)
  decompressed_too_large,   // more decompressed data than the configured cap
  record_too_large,         // a record that cannot be encoded (length over 2 GiB)
};

const std::error_category& records_category() noexcept;

inline std::error_code make_error_code(records_errc e) noexcept {
  return {static_cast<int>(e), records_category()};
}

}  // namespace kwire::protocol::records

template <>
struct std::is_error_code_enum<kwire::protocol::records::records_errc> : std::true_type {};
