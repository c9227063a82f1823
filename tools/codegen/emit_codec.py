"""Emits the bodies of encode(), decode(), encoded_size(), validate() and
equals_default() for one struct of a message.

Conditions on the version are relative to the message's valid versions, so a
field present in every version costs no test. Flexible versions use compact
lengths and a tagged-field section; tagged fields are written in tag order,
merged with the unknown ones kept from decoding.
"""

from cpp_names import (INT_TYPES, member_name, is_nullable, default_test, regular_versions)

FIXED_SIZES = {"int8": 1, "int16": 2, "int32": 4, "int64": 8, "uint16": 2,
               "float64": 8, "bool": 1, "uuid": 16}
PRIM_SUFFIX = {"int8": "i8", "int16": "i16", "int32": "i32", "int64": "i64", "uint16": "u16",
               "float64": "f64", "bool": "bool", "uuid": "uuid"}
ERR = "kwire::protocol::make_error_code(kwire::protocol::wire_errc::{})"


class StructCodec:
    def __init__(self, message, struct, qualified_name):
        self.m = message
        self.s = struct
        self.q = qualified_name
        self.valid = message.valid
        self.flex = message.flexible

    # -- helpers -----------------------------------------------------------
    def cond(self, versions):
        return versions.condition("version", self.valid)

    def compact(self, field, versions):
        fx = field.flexible if field.flexible is not None else self.flex
        r = versions.intersect(self.valid)
        if fx.intersect(r).empty():
            return "false"
        if fx.covers(r):
            return "true"
        return "flex"

    def flex_line(self):
        c = self.flex.condition("version", self.valid)
        return f"  [[maybe_unused]] const bool flex = {c};"

    def tagged_fields(self):
        return sorted((f for f in self.s.fields if not f.tagged.empty()), key=lambda f: f.tag)

    def has_tag_section(self):
        return not self.flex.intersect(self.valid).empty()

    @staticmethod
    def wrap(cond, lines, indent="  "):
        if cond == "false":
            return []
        if cond == "true":
            return lines
        return [f"{indent}if ({cond}) {{"] + ["  " + l for l in lines] + [f"{indent}}}"]

    # -- encode --------------------------------------------------------------
    def enc_elem(self, t, e, c, ind):
        if t.kind in PRIM_SUFFIX:
            return [f"{ind}codec::write_{PRIM_SUFFIX[t.kind]}(w, {e});"]
        if t.kind == "string":
            return [f"{ind}codec::write_string(w, {e}, {c});"]
        if t.kind == "bytes":
            return [f"{ind}codec::write_bytes(w, {e}, {c});"]
        if t.kind == "struct":
            return [f"{ind}{e}.encode(w, version);"]
        raise ValueError(t.kind)

    def enc_value(self, f, x, c, ind="  "):
        t = f.type
        nul = is_nullable(f)
        if t.kind == "records" or (t.kind in ("string", "bytes") and nul):
            fn = "write_nullable_bytes" if t.kind != "string" else "write_nullable_string"
            return [f"{ind}codec::{fn}(w, {x}, {c});"]
        if t.kind == "struct":
            if nul:
                return [f"{ind}codec::write_i8(w, {x} ? 1 : -1);", f"{ind}if ({x}) {x}->encode(w, version);"]
            return [f"{ind}{x}.encode(w, version);"]
        if t.kind == "array":
            body = self.enc_elem(t.element, "e", c, ind + "  ")
            if nul:
                return [f"{ind}if (!{x}) {{",
                        f"{ind}  codec::write_null_array(w, {c});",
                        f"{ind}}} else {{",
                        f"{ind}  codec::write_array_length(w, {x}->size(), {c});",
                        f"{ind}  for (const auto& e : *{x}) {{"] + ["  " + l for l in body] + [f"{ind}  }}", f"{ind}}}"]
            return [f"{ind}codec::write_array_length(w, {x}.size(), {c});",
                    f"{ind}for (const auto& e : {x}) {{"] + body + [f"{ind}}}"]
        return self.enc_elem(t, x, c, ind)

    # -- size ----------------------------------------------------------------
    def size_elem(self, t, e, c, acc, ind):
        if t.kind in FIXED_SIZES:
            return [f"{ind}{acc} += {FIXED_SIZES[t.kind]};"]
        if t.kind == "string":
            return [f"{ind}{acc} += codec::string_size({e}, {c});"]
        if t.kind == "bytes":
            return [f"{ind}{acc} += codec::bytes_size({e}, {c});"]
        if t.kind == "struct":
            return [f"{ind}{acc} += {e}.encoded_size(version);"]
        raise ValueError(t.kind)

    def size_value(self, f, x, c, acc, ind="  "):
        t = f.type
        nul = is_nullable(f)
        if t.kind == "records" or (t.kind in ("string", "bytes") and nul):
            fn = "nullable_bytes_size" if t.kind != "string" else "nullable_string_size"
            return [f"{ind}{acc} += codec::{fn}({x}, {c});"]
        if t.kind == "struct":
            if nul:
                return [f"{ind}{acc} += 1 + ({x} ? {x}->encoded_size(version) : 0);"]
            return [f"{ind}{acc} += {x}.encoded_size(version);"]
        if t.kind == "array":
            el = t.element
            v = f"(*{x})" if nul else x
            if el.kind in FIXED_SIZES:
                body = [f"{ind}{acc} += codec::array_length_size({v}.size(), {c}) + {v}.size() * {FIXED_SIZES[el.kind]};"]
            else:
                body = [f"{ind}{acc} += codec::array_length_size({v}.size(), {c});",
                        f"{ind}for (const auto& e : {v}) {{"] + self.size_elem(el, "e", c, acc, ind + "  ") + [f"{ind}}}"]
            if nul:
                return [f"{ind}if (!{x}) {{", f"{ind}  {acc} += codec::null_array_size({c});", f"{ind}}} else {{"] + \
                       ["  " + l for l in body] + [f"{ind}}}"]
            return body
        return self.size_elem(t, x, c, acc, ind)

    # -- decode --------------------------------------------------------------
    def dec_elem(self, t, target, c, rd, ind):
        if t.kind in PRIM_SUFFIX:
            return [f"{ind}{target} = codec::read_{PRIM_SUFFIX[t.kind]}({rd});"]
        if t.kind == "string":
            return [f"{ind}{target} = codec::read_string({rd}, {c});"]
        if t.kind == "bytes":
            return [f"{ind}{target} = codec::read_bytes({rd}, {c});"]
        if t.kind == "struct":
            return [f"{ind}{target}.decode({rd}, version);"]
        raise ValueError(t.kind)

    def null_check(self, f, present, missing_expr, rd, ind):
        """Fail when the wire says null in a version where the field is not nullable."""
        nc = f.nullable.intersect(present).intersect(self.valid)
        if nc == present.intersect(self.valid):
            return []
        cond = self.cond(f.nullable)
        guard = f"{missing_expr}" if cond == "false" else f"{missing_expr} && !({cond})"
        return [f"{ind}if ({guard}) {rd}.fail({ERR.format('unexpected_null')});"]

    def dec_value(self, f, x, c, rd, present, ind="  "):
        t = f.type
        nul = is_nullable(f)
        if t.kind == "records" or (t.kind in ("string", "bytes") and nul):
            fn = "read_nullable_bytes" if t.kind != "string" else "read_nullable_string"
            lines = [f"{ind}{x} = codec::{fn}({rd}, {c});"]
            if t.kind != "records":
                lines += self.null_check(f, present, f"!{x}", rd, ind)
            return lines
        if t.kind == "struct":
            if nul:
                return [f"{ind}if (codec::read_i8({rd}) < 0) {{", f"{ind}  {x}.reset();", f"{ind}}} else {{",
                        f"{ind}  // Not emplace(): clang 14 caches nested structs as not default-constructible.",
                        f"{ind}  {x} = std::remove_reference_t<decltype({x})>::value_type{{}};", f"{ind}  {x}->decode({rd}, version);", f"{ind}}}"]
            return [f"{ind}{x}.decode({rd}, version);"]
        if t.kind == "array":
            el = t.element
            lines = [f"{ind}{{", f"{ind}  const auto count = codec::read_array_length({rd}, {c});"]
            if nul:
                lines += [f"{ind}  if (!count) {{", f"{ind}    {x}.reset();"] + \
                         self.null_check(f, present, "true", rd, ind + "    ") + \
                         [f"{ind}  }} else {{", f"{ind}    auto& items = {x}.emplace();"]
            else:
                lines += [f"{ind}  if (!count) {{", f"{ind}    {rd}.fail({ERR.format('unexpected_null')});",
                          f"{ind}  }} else {{", f"{ind}    auto& items = {x};", f"{ind}    items.clear();"]
            lines += [f"{ind}    for (std::size_t i = 0; i < *count && {rd}.ok(); ++i) {{",
                      f"{ind}      items.emplace_back();"] + \
                     self.dec_elem(el, "items.back()", c, rd, ind + "      ") + \
                     [f"{ind}    }}", f"{ind}  }}", f"{ind}}}"]
            return lines
        return self.dec_elem(t, x, c, rd, ind)

    # -- functions -----------------------------------------------------------
    def encode_fn(self):
        out = [f"void {self.q}::encode([[maybe_unused]] kwire::protocol::Writer& w, [[maybe_unused]] std::int16_t version) const {{", self.flex_line()]
        for f in self.s.fields:
            reg = regular_versions(f)
            x = f"this->{member_name(f)}"
            out += self.wrap(self.cond(reg), self.enc_value(f, x, self.compact(f, reg)))
        if self.has_tag_section():
            out += self.wrap("flex", self.encode_tags())
        out.append("}")
        return out

    def tag_present(self, f, x):
        c = self.cond(f.tagged)
        d = f"!({default_test(f, x)})"
        return d if c == "true" else f"({c}) && {d}"

    def encode_tags(self):
        tagged = self.tagged_fields()
        if not tagged:
            return ["  codec::write_unknown_tagged_fields(w, this->unknown_tagged_fields);"]
        out = ["  const auto& unknown = this->unknown_tagged_fields;",
               "  std::size_t tag_count = unknown.size();"]
        for f in tagged:
            out.append(f"  if ({self.tag_present(f, 'this->' + member_name(f))}) ++tag_count;")
        out += ["  codec::write_uvarint(w, static_cast<std::uint32_t>(tag_count));", "  std::size_t u = 0;"]
        for f in tagged:
            x = f"this->{member_name(f)}"
            if f.tag > 0:
                out.append(f"  while (u < unknown.size() && unknown[u].tag < {f.tag}) codec::write_tagged_field(w, unknown[u++]);")
            body = ["  std::size_t field_size = 0;"] + self.size_value(f, x, "true", "field_size") + \
                   [f"  codec::write_tag_header(w, {f.tag}, field_size);"] + self.enc_value(f, x, "true")
            out += self.wrap(self.tag_present(f, x), body)
        out.append("  while (u < unknown.size()) codec::write_tagged_field(w, unknown[u++]);")
        return out

    def size_fn(self):
        out = [f"std::size_t {self.q}::encoded_size([[maybe_unused]] std::int16_t version) const {{", self.flex_line(),
               "  std::size_t n = 0;"]
        for f in self.s.fields:
            reg = regular_versions(f)
            out += self.wrap(self.cond(reg), self.size_value(f, f"this->{member_name(f)}", self.compact(f, reg), "n"))
        if self.has_tag_section():
            body = ["  std::size_t tag_count = this->unknown_tagged_fields.size();",
                    "  n += codec::unknown_tagged_fields_size(this->unknown_tagged_fields);"]
            for f in self.tagged_fields():
                x = f"this->{member_name(f)}"
                inner = ["  ++tag_count;", "  std::size_t field_size = 0;"] + \
                        self.size_value(f, x, "true", "field_size") + \
                        [f"  n += codec::tag_header_size({f.tag}, field_size) + field_size;"]
                body += self.wrap(self.tag_present(f, x), inner)
            body.append("  n += kwire::protocol::uvarint_size(tag_count);")
            out += self.wrap("flex", body)
        out += ["  return n;", "}"]
        return out

    def decode_fn(self, is_root):
        out = [f"std::error_code {self.q}::decode([[maybe_unused]] kwire::protocol::Reader& r, [[maybe_unused]] std::int16_t version) {{"]
        if is_root:
            out += [f"  if (version < min_version || version > max_version) {{",
                    f"    r.fail({ERR.format('unsupported_version')});", "    return r.error();", "  }",
                    f"  *this = {self.s.name}{{}};"]
        out.append(self.flex_line())
        for f in self.s.fields:
            reg = regular_versions(f)
            out += self.wrap(self.cond(reg), self.dec_value(f, f"this->{member_name(f)}", self.compact(f, reg), "r", reg))
        if self.has_tag_section():
            body = ["  const std::uint32_t tag_count = codec::read_uvarint(r);",
                    "  for (std::uint32_t t = 0; t < tag_count && r.ok(); ++t) {",
                    "    const std::uint32_t tag = codec::read_uvarint(r);",
                    "    const kwire::protocol::Bytes data = codec::read_raw(r, codec::read_uvarint(r));",
                    "    if (!r.ok()) break;"]
            first = True
            for f in self.tagged_fields():
                c = self.cond(f.tagged)
                test = f"tag == {f.tag}" + ("" if c == "true" else f" && ({c})")
                body.append(f"    {'if' if first else '} else if'} ({test}) {{")
                body.append("      kwire::protocol::Reader tr(data);")
                body += self.dec_value(f, f"this->{member_name(f)}", "true", "tr", f.tagged, "      ")
                body.append("      codec::finish_tagged_field(r, tr);")
                first = False
            if first:
                body.append("    this->unknown_tagged_fields.push_back({tag, data});")
            else:
                body += ["    } else {", "      this->unknown_tagged_fields.push_back({tag, data});", "    }"]
            body.append("  }")
            out += self.wrap("flex", body)
        out += ["  return r.error();", "}"]
        return out

    def validate_fn(self, is_root, needs_validation):
        out = [f"std::error_code {self.q}::validate([[maybe_unused]] std::int16_t version) const {{"]
        if is_root:
            out += [f"  if (version < min_version || version > max_version) return {ERR.format('unsupported_version')};"]
        for f in self.s.fields:
            x = f"this->{member_name(f)}"
            present = self.cond(f.versions)
            if present != "true" and not f.ignorable:
                test = f"!({default_test(f, x)})" if present == "false" else f"!({present}) && !({default_test(f, x)})"
                out.append(f"  if ({test}) return {ERR.format('non_default_ignorable')};")
            if present == "false":
                continue
            if is_nullable(f) and f.type.kind != "records":
                nc = f.nullable.intersect(f.versions).intersect(self.valid)
                if nc != f.versions.intersect(self.valid):
                    ncond = self.cond(f.nullable)
                    guard = f"!{x}" + ("" if present == "true" else f" && ({present})") + \
                            ("" if ncond == "false" else f" && !({ncond})")
                    out.append(f"  if ({guard}) return {ERR.format('unexpected_null')};")
            if f.struct is not None and needs_validation(f.struct):
                if f.type.kind == "array":
                    rng = f"*{x}" if is_nullable(f) else x
                    body = [f"  for (const auto& e : {rng}) {{",
                            "    if (auto ec = e.validate(version)) return ec;", "  }"]
                    if is_nullable(f):
                        body = [f"  if ({x}) {{"] + ["  " + l for l in body] + ["  }"]
                else:
                    if is_nullable(f):
                        body = [f"  if ({x}) {{", f"    if (auto ec = {x}->validate(version)) return ec;", "  }"]
                    else:
                        body = [f"  if (auto ec = {x}.validate(version)) return ec;"]
                out += self.wrap(present, body)
        out += ["  return {};", "}"]
        return out

    def equals_default_fn(self):
        tests = [default_test(f, f"this->{member_name(f)}") for f in self.s.fields]
        if self.has_tag_section():
            tests.append("this->unknown_tagged_fields.empty()")
        expr = " &&\n         ".join(tests) if tests else "true"
        return [f"bool {self.q}::equals_default() const {{", f"  return {expr};", "}"]
