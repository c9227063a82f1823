// Builds random, canonically encoded message bodies straight from the schema
// table (not from the generated structs), so the generated decoders and
// encoders are checked against an independent, table-driven encoder.
// Values include nulls where the version allows them, known tagged fields
// (always with a non-default value, since encoders omit default ones) and
// unknown tagged fields. Test-only; single thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "kwire/protocol/message_schema.hpp"
#include "kwire/protocol/wire/writer.hpp"

namespace kwire::test {

class RandomFrameBuilder {
 public:
  explicit RandomFrameBuilder(std::uint64_t seed) : rng_(seed) {}

  std::vector<std::uint8_t> build(const protocol::MessageSchema& m, std::int16_t version) {
    protocol::Writer w;
    write_struct(m, 0, version, w, 0, false);
    return w.release();
  }

 private:
  using FieldKind = protocol::FieldKind;

  bool coin(int one_in) { return std::uniform_int_distribution<int>(0, one_in - 1)(rng_) == 0; }
  std::uint64_t bits() { return rng_(); }
  std::size_t upto(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n)(rng_); }

  // Edge values often, anything otherwise.
  std::int64_t integer(int width_bits) {
    const std::int64_t max = width_bits == 64 ? INT64_MAX : (std::int64_t{1} << (width_bits - 1)) - 1;
    const std::int64_t min = -max - 1;
    switch (upto(5)) {
      case 0: return 0;
      case 1: return -1;
      case 2: return coin(2) ? max : min;
      default: {
        auto u = static_cast<std::int64_t>(bits());
        if (width_bits == 64) return u;
        return static_cast<std::int64_t>(static_cast<std::uint64_t>(u) & ((std::uint64_t{1} << width_bits) - 1)) + min;
      }
    }
  }

  static std::int64_t parse_default(std::string_view text) {
    if (text.empty() || text == "null") return 0;
    if (text == "true" || text == "True") return 1;
    if (text == "false" || text == "False") return 0;
    return std::stoll(std::string(text), nullptr, 0);
  }

  std::string text(std::size_t min_len) {
    std::string s(min_len + upto(8), 'a');
    for (auto& c : s) c = static_cast<char>('a' + upto(25));
    return s;
  }
  std::vector<std::uint8_t> blob(std::size_t min_len, std::size_t extra) {
    std::vector<std::uint8_t> b(min_len + upto(extra));
    for (auto& c : b) c = static_cast<std::uint8_t>(bits());
    return b;
  }

  void write_len_string(protocol::Writer& w, const std::string& s, bool compact) {
    if (compact) w.compact_string(s);
    else w.string(s);
  }
  void write_null(protocol::Writer& w, FieldKind kind, bool compact) {
    if (compact) w.uvarint(0);
    else if (kind == FieldKind::string) w.i16(-1);
    else w.i32(-1);
  }

  // One primitive value; non_default forces a value different from the spec default.
  void write_primitive(protocol::Writer& w, FieldKind kind, bool compact, std::string_view dflt, bool non_default) {
    const std::int64_t d = (kind == FieldKind::string || kind == FieldKind::bytes) ? 0 : parse_default(dflt);
    auto pick = [&](int width) {
      std::int64_t v = integer(width);
      while (non_default && v == d) v = integer(width);
      return v;
    };
    switch (kind) {
      case FieldKind::int8: w.i8(static_cast<std::int8_t>(pick(8))); break;
      case FieldKind::int16: w.i16(static_cast<std::int16_t>(pick(16))); break;
      case FieldKind::int32: w.i32(static_cast<std::int32_t>(pick(32))); break;
      case FieldKind::int64: w.i64(pick(64)); break;
      case FieldKind::uint16: {
        std::uint16_t v = static_cast<std::uint16_t>(bits());
        while (non_default && v == d) v = static_cast<std::uint16_t>(bits());
        w.u16(v);
        break;
      }
      case FieldKind::float64: {
        double v = static_cast<double>(static_cast<std::int32_t>(bits())) / 7.0;
        while (non_default && v == static_cast<double>(d)) v += 1.5;
        w.f64(v);
        break;
      }
      case FieldKind::boolean: w.boolean(non_default ? d == 0 : coin(2)); break;
      case FieldKind::uuid: {
        protocol::Uuid u;
        for (auto& b : u.bytes) b = static_cast<std::uint8_t>(bits());
        if (non_default) u.bytes[0] |= 1;
        w.uuid(u);
        break;
      }
      case FieldKind::string: write_len_string(w, text(non_default && dflt.empty() ? 1 : 0), compact); break;
      case FieldKind::bytes:
      case FieldKind::records: {
        auto b = blob(non_default ? 1 : 0, kind == FieldKind::records ? 40 : 12);
        if (compact) w.compact_bytes(b);
        else w.bytes(b);
        break;
      }
      default: break;
    }
  }

  void write_field(const protocol::MessageSchema& m, const protocol::FieldSchema& f, std::int16_t v,
                   protocol::Writer& w, bool compact, int depth, bool non_default) {
    const bool nullable = f.nullable.contains(v) || (f.kind == FieldKind::records && !f.nullable.empty());
    const bool default_null = f.default_value == "null";
    const bool may_null = nullable && !(non_default && default_null);
    if (f.kind == FieldKind::structure) {
      if (!f.nullable.empty()) {
        if (may_null && !non_default && coin(4)) return w.i8(-1);
        w.i8(1);
      }
      return write_struct(m, f.struct_index, v, w, depth + 1, non_default && !(nullable && default_null));
    }
    if (f.kind == FieldKind::array) {
      if (may_null && coin(5)) return write_null(w, FieldKind::array, compact);
      std::size_t n = depth > 2 ? upto(1) : upto(3);
      if (non_default && !default_null && n == 0) n = 1;
      if (compact) w.compact_array_length(n);
      else w.array_length(n);
      for (std::size_t i = 0; i < n; ++i) {
        if (f.element == FieldKind::structure) write_struct(m, f.struct_index, v, w, depth + 1, false);
        else write_primitive(w, f.element, compact, "", false);
      }
      return;
    }
    const bool nullable_kind = f.kind == FieldKind::string || f.kind == FieldKind::bytes || f.kind == FieldKind::records;
    if (nullable_kind && may_null && coin(5)) return write_null(w, f.kind, compact);
    write_primitive(w, f.kind, compact, f.default_value, non_default && !(nullable_kind && default_null));
  }

  void write_struct(const protocol::MessageSchema& m, int index, std::int16_t v, protocol::Writer& w, int depth,
                    bool non_default) {
    const auto& s = m.structs[static_cast<std::size_t>(index)];
    const bool flex = m.is_flexible(v);
    bool forced = !non_default;
    for (const auto& f : s.fields) {
      if (f.name.empty() || !f.versions.contains(v) || f.is_tagged(v)) continue;
      write_field(m, f, v, w, flex && !f.never_flexible, depth, !forced);
      forced = true;
    }
    if (!flex) return;
    // Tagged section: known tags (each present or not) merged with unknown ones, in tag order.
    struct Tagged { std::uint32_t tag; std::vector<std::uint8_t> data; };
    std::vector<Tagged> tags;
    std::uint32_t max_known = 0;
    for (const auto& f : s.fields) {
      if (f.name.empty() || f.tag < 0) continue;
      max_known = std::max(max_known, static_cast<std::uint32_t>(f.tag));
      if (!f.is_tagged(v) || coin(2)) continue;
      protocol::Writer tw;
      write_field(m, f, v, tw, true, depth, true);
      tags.push_back({static_cast<std::uint32_t>(f.tag), tw.release()});
    }
    std::uint32_t next = max_known + 1 + static_cast<std::uint32_t>(upto(3));
    for (std::size_t i = upto(depth == 0 ? 2 : 1); i > 0; --i) {
      tags.push_back({next, blob(0, 6)});
      next += 1 + static_cast<std::uint32_t>(upto(200));
    }
    std::sort(tags.begin(), tags.end(), [](const Tagged& a, const Tagged& b) { return a.tag < b.tag; });
    w.uvarint(static_cast<std::uint32_t>(tags.size()));
    for (const auto& t : tags) {
      w.uvarint(t.tag);
      w.uvarint(static_cast<std::uint32_t>(t.data.size()));
      w.raw(t.data);
    }
  }

  std::mt19937_64 rng_;
};

}  // namespace kwire::test
