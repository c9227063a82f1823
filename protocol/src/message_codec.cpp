// Out-of-line helpers for the generated message code; see message_codec.hpp.
#include "kwire/protocol/message_codec.hpp"

namespace kwire::protocol::codec {

void write_i8(Writer& w, std::int8_t v) { w.i8(v); }
void write_i16(Writer& w, std::int16_t v) { w.i16(v); }
void write_i32(Writer& w, std::int32_t v) { w.i32(v); }
void write_i64(Writer& w, std::int64_t v) { w.i64(v); }
void write_u16(Writer& w, std::uint16_t v) { w.u16(v); }
void write_f64(Writer& w, double v) { w.f64(v); }
void write_bool(Writer& w, bool v) { w.boolean(v); }
void write_uuid(Writer& w, const Uuid& v) { w.uuid(v); }
std::int8_t read_i8(Reader& r) { return r.i8(); }
std::int16_t read_i16(Reader& r) { return r.i16(); }
std::int32_t read_i32(Reader& r) { return r.i32(); }
std::int64_t read_i64(Reader& r) { return r.i64(); }
std::uint16_t read_u16(Reader& r) { return r.u16(); }
double read_f64(Reader& r) { return r.f64(); }
bool read_bool(Reader& r) { return r.boolean(); }
Uuid read_uuid(Reader& r) { return r.uuid(); }
std::uint32_t read_uvarint(Reader& r) { return r.uvarint(); }
Bytes read_raw(Reader& r, std::size_t n) { return r.take(n); }
void write_uvarint(Writer& w, std::uint32_t v) { w.uvarint(v); }


// ---- encode -----------------------------------------------------------------
void write_string(Writer& w, std::string_view s, bool compact) {
  if (compact) w.compact_string(s);
  else w.string(s);
}
void write_nullable_string(Writer& w, const std::optional<std::string>& s, bool compact) {
  if (!s) {
    if (compact) w.uvarint(0);
    else w.i16(-1);
    return;
  }
  write_string(w, *s, compact);
}
void write_bytes(Writer& w, Bytes b, bool compact) {
  if (compact) w.compact_bytes(b);
  else w.bytes(b);
}
void write_nullable_bytes(Writer& w, const std::optional<Bytes>& b, bool compact) {
  if (compact) w.compact_nullable_bytes(b);
  else w.nullable_bytes(b);
}
void write_array_length(Writer& w, std::size_t n, bool compact) {
  if (compact) w.compact_array_length(n);
  else w.array_length(n);
}
void write_null_array(Writer& w, bool compact) {
  if (compact) w.compact_null_array();
  else w.null_array();
}
void write_tag_header(Writer& w, std::uint32_t tag, std::size_t size) {
  w.uvarint(tag);
  w.uvarint(static_cast<std::uint32_t>(size));
}
void write_tagged_field(Writer& w, const TaggedField& f) {
  write_tag_header(w, f.tag, f.data.size());
  w.raw(f.data);
}
void write_unknown_tagged_fields(Writer& w, const std::vector<TaggedField>& fields) {
  w.uvarint(static_cast<std::uint32_t>(fields.size()));
  for (const auto& f : fields) write_tagged_field(w, f);
}

// ---- decode -----------------------------------------------------------------
// Strings are copied out of the frame (messages own their strings); bytes stay views.
std::string read_string(Reader& r, bool compact) {
  return std::string(compact ? r.compact_string() : r.string());
}
std::optional<std::string> read_nullable_string(Reader& r, bool compact) {
  auto s = compact ? r.compact_nullable_string() : r.nullable_string();
  if (!s) return std::nullopt;
  return std::string(*s);
}
Bytes read_bytes(Reader& r, bool compact) { return compact ? r.compact_bytes() : r.bytes(); }
std::optional<Bytes> read_nullable_bytes(Reader& r, bool compact) {
  return compact ? r.compact_nullable_bytes() : r.nullable_bytes();
}
std::optional<std::size_t> read_array_length(Reader& r, bool compact) {
  return compact ? r.compact_array_length() : r.array_length();
}
// A known tagged field must fill exactly the bytes its header announced.
void finish_tagged_field(Reader& outer, const Reader& field) {
  if (!field.ok()) outer.fail(field.error());
  else if (field.remaining() != 0) outer.fail(wire_errc::trailing_bytes);
}

}  // namespace kwire::protocol::codec
