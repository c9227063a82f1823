// Schema-driven JSON <-> wire conversion for `kwire wire` (see wire_json.hpp).
#include "wire_json.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "wire_decoder.hpp"

namespace kwire::tool {

using protocol::Bytes;
using protocol::FieldKind;
using protocol::FieldSchema;
using protocol::MessageSchema;
using protocol::Reader;
using protocol::Writer;

std::string to_hex(Bytes b) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(b.size() * 2);
  for (auto c : b) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

bool from_hex(const std::string& text, std::vector<std::uint8_t>& out) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (text.size() % 2) return false;
  out.clear();
  for (std::size_t i = 0; i < text.size(); i += 2) {
    int hi = nibble(text[i]), lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
  }
  return true;
}

namespace {

// ---- JSON -> wire -------------------------------------------------------------
class Encoder {
 public:
  Encoder(const MessageSchema& m, std::int16_t v, std::string* error) : m_(m), v_(v), error_(error) {}

  bool structure(int index, const Json& obj, Writer& w) {
    if (obj.type() != Json::Type::object) return fail("expected an object");
    const auto& s = m_.structs[static_cast<std::size_t>(index)];
    const bool flex = m_.is_flexible(v_);
    for (const auto& f : s.fields) {
      if (!f.versions.contains(v_) || f.is_tagged(v_)) continue;
      const Json* value = obj.find(f.name);
      if (!value) return fail("missing field " + std::string(f.name));
      if (!field(f, *value, w, flex && !f.never_flexible)) return fail("in field " + std::string(f.name));
    }
    if (!flex) return true;
    struct Tagged {
      std::uint32_t tag;
      std::vector<std::uint8_t> data;
    };
    std::vector<Tagged> tags;
    for (const auto& f : s.fields) {
      if (!f.is_tagged(v_)) continue;
      const Json* value = obj.find(f.name);
      if (!value) continue;
      Writer tw;
      if (!field(f, *value, tw, true)) return fail("in tagged field " + std::string(f.name));
      tags.push_back({static_cast<std::uint32_t>(f.tag), tw.release()});
    }
    if (const Json* unknown = obj.find("_unknown_tagged_fields")) {
      for (const auto& t : unknown->items()) {
        const Json* tag = t.find("tag");
        const Json* data = t.find("data");
        Tagged out;
        if (!tag || !data || !from_hex(data->as_string(), out.data)) return fail("bad unknown tagged field");
        out.tag = static_cast<std::uint32_t>(tag->as_int());
        tags.push_back(std::move(out));
      }
    }
    std::stable_sort(tags.begin(), tags.end(), [](const Tagged& a, const Tagged& b) { return a.tag < b.tag; });
    w.uvarint(static_cast<std::uint32_t>(tags.size()));
    for (const auto& t : tags) {
      w.uvarint(t.tag);
      w.uvarint(static_cast<std::uint32_t>(t.data.size()));
      w.raw(t.data);
    }
    return true;
  }

 private:
  bool fail(std::string why) {
    if (error_) *error_ = error_->empty() ? why : why + ": " + *error_;
    return false;
  }

  bool uuid(const std::string& text, Writer& w) {
    std::string hex;
    for (char c : text)
      if (c != '-') hex += c;
    std::vector<std::uint8_t> b;
    if (!from_hex(hex, b) || b.size() != 16) return fail("bad uuid");
    w.raw(b);
    return true;
  }

  bool primitive(FieldKind kind, const Json& j, Writer& w, bool compact) {
    const bool is_int = j.type() == Json::Type::integer;
    switch (kind) {
      case FieldKind::int8: if (!is_int) return fail("expected an integer"); w.i8(static_cast<std::int8_t>(j.as_int())); return true;
      case FieldKind::int16: if (!is_int) return fail("expected an integer"); w.i16(static_cast<std::int16_t>(j.as_int())); return true;
      case FieldKind::int32: if (!is_int) return fail("expected an integer"); w.i32(static_cast<std::int32_t>(j.as_int())); return true;
      case FieldKind::int64: if (!is_int) return fail("expected an integer"); w.i64(j.as_int()); return true;
      case FieldKind::uint16: if (!is_int) return fail("expected an integer"); w.u16(static_cast<std::uint16_t>(j.as_int())); return true;
      case FieldKind::float64: w.f64(j.as_double()); return true;
      case FieldKind::boolean:
        if (j.type() != Json::Type::boolean) return fail("expected true or false");
        w.boolean(j.as_bool());
        return true;
      case FieldKind::uuid:
        if (j.type() != Json::Type::string) return fail("expected a uuid string");
        return uuid(j.as_string(), w);
      case FieldKind::string:
        if (j.is_null()) {
          if (compact) w.uvarint(0);
          else w.i16(-1);
          return true;
        }
        if (j.type() != Json::Type::string) return fail("expected a string");
        if (compact) w.compact_string(j.as_string());
        else w.string(j.as_string());
        return true;
      case FieldKind::bytes:
      case FieldKind::records: {
        if (j.is_null()) {
          if (compact) w.uvarint(0);
          else w.i32(-1);
          return true;
        }
        std::vector<std::uint8_t> b;
        if (j.type() != Json::Type::string || !from_hex(j.as_string(), b)) return fail("expected a hex string");
        if (compact) w.compact_bytes(b);
        else w.bytes(b);
        return true;
      }
      default: return fail("unexpected type");
    }
  }

  bool field(const FieldSchema& f, const Json& j, Writer& w, bool compact) {
    if (f.kind == FieldKind::structure) {
      if (!f.nullable.empty()) {
        if (j.is_null()) {
          w.i8(-1);
          return true;
        }
        w.i8(1);
      }
      return structure(f.struct_index, j, w);
    }
    if (f.kind != FieldKind::array) return primitive(f.kind, j, w, compact);
    if (j.is_null()) {
      if (compact) w.compact_null_array();
      else w.null_array();
      return true;
    }
    if (j.type() != Json::Type::array) return fail("expected an array");
    if (compact) w.compact_array_length(j.items().size());
    else w.array_length(j.items().size());
    for (const auto& item : j.items()) {
      bool ok = f.element == FieldKind::structure ? structure(f.struct_index, item, w)
                                                  : primitive(f.element, item, w, compact);
      if (!ok) return false;
    }
    return true;
  }

  const MessageSchema& m_;
  std::int16_t v_;
  std::string* error_;
};

}  // namespace

Json message_to_json(const MessageSchema& m, std::int16_t version, Reader& r) {
  return decode_message(m, version, r, nullptr);
}

bool json_to_message(const MessageSchema& m, std::int16_t version, const Json& j, Writer& w, std::string* error) {
  return Encoder(m, version, error).structure(0, j, w);
}

}  // namespace kwire::tool
