// Schema-driven wire -> JSON with conformance checks (see wire_decoder.hpp).
#include "wire_decoder.hpp"

#include <algorithm>

#include "kwire/protocol/records/batch_reader.hpp"
#include "kwire/protocol/records/records_error.hpp"
#include "wire_json.hpp"

namespace kwire::tool {

using protocol::Bytes;
using protocol::FieldKind;
using protocol::FieldSchema;
using protocol::MessageSchema;
using protocol::Reader;

namespace {

std::string uuid_text(const protocol::Uuid& u) {
  std::string hex = to_hex(u.bytes);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20);
}

std::size_t uvarint_size(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

class Decoder {
 public:
  // `base`: offset of r's first byte from the frame's first byte.
  Decoder(const MessageSchema& m, std::int16_t v, Reader& r, DecodeChecks* checks, std::size_t base)
      : m_(m), v_(v), r_(r), checks_(checks), base_(base) {}

  Json structure(int index, const std::string& path) {
    Json obj = Json::object();
    const auto& s = m_.structs[static_cast<std::size_t>(index)];
    const bool flex = m_.is_flexible(v_);
    for (const auto& f : s.fields) {
      if (!f.versions.contains(v_) || f.is_tagged(v_)) continue;
      const std::size_t at = r_.position();
      obj.set(std::string(f.name), field(f, r_, flex && !f.never_flexible, path + "." + std::string(f.name)));
      if (!r_.ok()) return failed(obj, path + "." + std::string(f.name), at);
    }
    if (!flex) return obj;
    Json unknown = Json::array();
    const std::size_t tags_at = r_.position();
    const std::uint32_t n = uvarint(r_, path + "._tagged_fields");
    std::int64_t previous_tag = -1;
    for (std::uint32_t i = 0; i < n && r_.ok(); ++i) {
      const std::size_t tag_at = r_.position();
      const std::uint32_t tag = uvarint(r_, path + "._tagged_fields");
      const std::uint32_t size = uvarint(r_, path + "._tagged_fields");
      const std::size_t data_at = r_.position();
      const Bytes data = r_.take(size);
      if (!r_.ok()) return failed(obj, path + "._tagged_fields", tag_at);
      if (static_cast<std::int64_t>(tag) <= previous_tag)
        report(tag == previous_tag ? "duplicate_tagged_field" : "tagged_fields_out_of_order",
               path + "._tagged_fields", tag_at,
               "tag " + std::to_string(tag) + " after tag " + std::to_string(previous_tag));
      previous_tag = tag;
      auto known = std::find_if(s.fields.begin(), s.fields.end(), [&](const FieldSchema& f) {
        return f.tag == static_cast<std::int32_t>(tag) && f.is_tagged(v_);
      });
      if (known == s.fields.end()) {
        Json t = Json::object();
        t.set("tag", Json::integer(tag));
        t.set("data", Json::string(to_hex(data)));
        unknown.push(std::move(t));
        continue;
      }
      const std::string field_path = path + "." + std::string(known->name);
      Reader tr(data);
      Decoder inner(m_, v_, tr, checks_, base_ + data_at);
      obj.set(std::string(known->name), inner.field(*known, tr, true, field_path));
      if (!tr.ok()) {
        // The value must fit the size its tag gave.
        if (!inner.reported_failure_) report("truncated", field_path, data_at, tr.error().message());
        reported_failure_ = true;
        r_.fail(tr.error());
        return obj;
      } else if (tr.remaining()) {
        report("trailing_bytes", field_path, data_at + tr.position(),
               std::to_string(tr.remaining()) + " bytes after the tagged field's value");
      }
    }
    if (!r_.ok()) return failed(obj, path + "._tagged_fields", tags_at);
    if (!unknown.items().empty()) obj.set("_unknown_tagged_fields", std::move(unknown));
    return obj;
  }

 private:
  void report(std::string kind, std::string path, std::size_t at, std::string detail) {
    if (checks_) checks_->found.push_back({std::move(kind), std::move(path), base_ + at, std::move(detail)});
  }

  // Reports the reader's error once, at the innermost field that saw it
  // (`at`: where that field starts; a failed reader no longer knows).
  Json failed(Json& obj, const std::string& path, std::size_t at) {
    if (checks_ && !reported_failure_) {
      const auto e = r_.error();
      using protocol::wire_errc;
      const char* kind = e == wire_errc::truncated        ? "truncated"
                         : e == wire_errc::invalid_length ? "invalid_length"
                         : e == wire_errc::unexpected_null ? "null_not_allowed"
                                                           : "malformed";
      report(kind, path, at, e.message());
    }
    reported_failure_ = true;
    return std::move(obj);
  }

  // A varint-coded length or tag: its value must use the fewest bytes.
  std::uint32_t uvarint(Reader& r, const std::string& path) {
    const std::size_t at = r.position();
    const std::uint32_t v = r.uvarint();
    if (r.ok() && r.position() - at != uvarint_size(v))
      report("non_minimal_varint", path, at,
             std::to_string(v) + " in " + std::to_string(r.position() - at) + " bytes instead of " +
                 std::to_string(uvarint_size(v)));
    return v;
  }

  // Checks the compact length in front of a string, bytes or array without consuming it.
  void check_compact_length(Reader& r, const std::string& path) {
    Reader probe(r.rest());
    const std::size_t at = r.position();
    const std::uint32_t v = probe.uvarint();
    if (probe.ok() && probe.position() != uvarint_size(v))
      report("non_minimal_varint", path, at,
             "length " + std::to_string(v) + " in " + std::to_string(probe.position()) + " bytes");
  }

  void null_seen(const FieldSchema& f, const std::string& path, std::size_t at) {
    if (!f.nullable.contains(v_))
      report("null_not_allowed", path, at, "null, but the field is not nullable in version " + std::to_string(v_));
  }

  void check_records(Bytes records, const std::string& path, std::size_t at) {
    if (!checks_ || records.empty()) return;
    protocol::records::BatchReaderOptions options;
    options.allow_partial_tail = checks_->records_may_end_partial;
    protocol::records::BatchReader batches(records, options);
    protocol::records::RecordView record;
    while (batches.next_batch())
      while (batches.next_record(record)) {
      }
    if (const auto e = batches.error()) {
      using protocol::records::records_errc;
      const char* kind = e == records_errc::crc_mismatch                                       ? "record_batch_crc"
                         : e == records_errc::batch_too_short || e == records_errc::truncated_batch ? "record_batch_length"
                                                                                                 : "record_batch_invalid";
      report(kind, path, at + batches.position(), e.message());
    }
  }

  Json primitive(FieldKind kind, Reader& r, bool compact, const FieldSchema& f, const std::string& path) {
    const std::size_t at = r.position();
    switch (kind) {
      case FieldKind::int8: return Json::integer(r.i8());
      case FieldKind::int16: return Json::integer(r.i16());
      case FieldKind::int32: return Json::integer(r.i32());
      case FieldKind::int64: return Json::integer(r.i64());
      case FieldKind::uint16: return Json::integer(r.u16());
      case FieldKind::float64: return Json::number(r.f64());
      case FieldKind::boolean: return Json::boolean(r.boolean());
      case FieldKind::uuid: return Json::string(uuid_text(r.uuid()));
      case FieldKind::string: {
        if (compact) check_compact_length(r, path);
        auto s = compact ? r.compact_nullable_string() : r.nullable_string();
        if (!s && r.ok()) null_seen(f, path, at);
        return s ? Json::string(std::string(*s)) : Json();
      }
      case FieldKind::bytes:
      case FieldKind::records: {
        if (compact) check_compact_length(r, path);
        auto b = compact ? r.compact_nullable_bytes() : r.nullable_bytes();
        if (!b && r.ok() && kind == FieldKind::bytes) null_seen(f, path, at);
        if (b && kind == FieldKind::records) check_records(*b, path, at + (r.position() - at - b->size()));
        return b ? Json::string(to_hex(*b)) : Json();
      }
      default: return Json();
    }
  }

  Json field(const FieldSchema& f, Reader& r, bool compact, const std::string& path) {
    const std::size_t at = r.position();
    if (f.kind == FieldKind::structure) {
      if (!f.nullable.empty() && r.i8() < 0) return Json();
      Decoder sub(m_, v_, r, checks_, base_);
      Json out = sub.structure(f.struct_index, path);
      reported_failure_ = reported_failure_ || sub.reported_failure_;
      return out;
    }
    if (f.kind != FieldKind::array) return primitive(f.kind, r, compact, f, path);
    if (compact) check_compact_length(r, path);
    auto n = compact ? r.compact_array_length() : r.array_length();
    if (!n) {
      if (r.ok()) null_seen(f, path, at);
      return Json();
    }
    Json arr = Json::array();
    for (std::size_t i = 0; i < *n && r.ok(); ++i) {
      const std::string item = path + "[" + std::to_string(i) + "]";
      if (f.element == FieldKind::structure) {
        Decoder sub(m_, v_, r, checks_, base_);
        arr.push(sub.structure(f.struct_index, item));
        reported_failure_ = reported_failure_ || sub.reported_failure_;
      } else {
        arr.push(primitive(f.element, r, compact, f, item));
      }
    }
    return arr;
  }

  const MessageSchema& m_;
  std::int16_t v_;
  Reader& r_;
  DecodeChecks* checks_;
  std::size_t base_;
  bool reported_failure_ = false;
};

}  // namespace

Json decode_message(const MessageSchema& m, std::int16_t version, Reader& r, DecodeChecks* checks) {
  Decoder d(m, version, r, checks, checks ? checks->base_offset : 0);
  return d.structure(0, std::string(m.name));
}

}  // namespace kwire::tool
