// Helpers used by the generated message code (protocol/generated/src): the
// choice between the classic and the compact (flexible-version) encoding of
// strings, bytes and arrays, their sizes, and the tagged-field section.
// Out of line (protocol/src/message_codec.cpp) so the ~100 generated
// sources stay short and compile fast; only the size arithmetic is inline.
// Any thread; no shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "kwire/protocol/tagged_field.hpp"
#include "kwire/protocol/wire/reader.hpp"
#include "kwire/protocol/wire/wire_error.hpp"
#include "kwire/protocol/wire/writer.hpp"  // uvarint_size

namespace kwire::protocol::codec {

// ---- primitives (out of line: each generated field is one call) ------------
void write_i8(Writer& w, std::int8_t v);
void write_i16(Writer& w, std::int16_t v);
void write_i32(Writer& w, std::int32_t v);
void write_i64(Writer& w, std::int64_t v);
void write_u16(Writer& w, std::uint16_t v);
void write_f64(Writer& w, double v);
void write_bool(Writer& w, bool v);
void write_uuid(Writer& w, const Uuid& v);
std::int8_t read_i8(Reader& r);
std::int16_t read_i16(Reader& r);
std::int32_t read_i32(Reader& r);
std::int64_t read_i64(Reader& r);
std::uint16_t read_u16(Reader& r);
double read_f64(Reader& r);
bool read_bool(Reader& r);
Uuid read_uuid(Reader& r);
std::uint32_t read_uvarint(Reader& r);
Bytes read_raw(Reader& r, std::size_t n);
void write_uvarint(Writer& w, std::uint32_t v);

// ---- encode -----------------------------------------------------------------
// ---- encode -----------------------------------------------------------------
void write_string(Writer& w, std::string_view s, bool compact);
void write_nullable_string(Writer& w, const std::optional<std::string>& s, bool compact);
void write_bytes(Writer& w, Bytes b, bool compact);
void write_nullable_bytes(Writer& w, const std::optional<Bytes>& b, bool compact);
void write_array_length(Writer& w, std::size_t n, bool compact);
void write_null_array(Writer& w, bool compact);
void write_tag_header(Writer& w, std::uint32_t tag, std::size_t size);
void write_tagged_field(Writer& w, const TaggedField& f);
void write_unknown_tagged_fields(Writer& w, const std::vector<TaggedField>& fields);

// ---- sizes ------------------------------------------------------------------
inline std::size_t length_prefix_size(std::size_t n, bool compact, std::size_t classic) {
  return compact ? uvarint_size(n + 1) : classic;
}
inline std::size_t string_size(std::string_view s, bool compact) {
  return length_prefix_size(s.size(), compact, 2) + s.size();
}
inline std::size_t nullable_string_size(const std::optional<std::string>& s, bool compact) {
  return s ? string_size(*s, compact) : (compact ? 1 : 2);
}
inline std::size_t bytes_size(Bytes b, bool compact) {
  return length_prefix_size(b.size(), compact, 4) + b.size();
}
inline std::size_t nullable_bytes_size(const std::optional<Bytes>& b, bool compact) {
  return b ? bytes_size(*b, compact) : (compact ? 1 : 4);
}
inline std::size_t array_length_size(std::size_t n, bool compact) {
  return length_prefix_size(n, compact, 4);
}
inline std::size_t null_array_size(bool compact) { return compact ? 1 : 4; }
inline std::size_t tag_header_size(std::uint32_t tag, std::size_t size) {
  return uvarint_size(tag) + uvarint_size(size);
}
inline std::size_t unknown_tagged_fields_size(const std::vector<TaggedField>& fields) {
  std::size_t n = 0;
  for (const auto& f : fields) n += tag_header_size(f.tag, f.data.size()) + f.data.size();
  return n;
}

// ---- decode -----------------------------------------------------------------
// Strings are copied out of the frame (messages own their strings); bytes stay views.
std::string read_string(Reader& r, bool compact);
std::optional<std::string> read_nullable_string(Reader& r, bool compact);
Bytes read_bytes(Reader& r, bool compact);
std::optional<Bytes> read_nullable_bytes(Reader& r, bool compact);
std::optional<std::size_t> read_array_length(Reader& r, bool compact);
// A known tagged field must fill exactly the bytes its header announced.
void finish_tagged_field(Reader& outer, const Reader& field);

}  // namespace kwire::protocol::codec
