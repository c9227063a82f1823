"""Emits the tables derived from all specs at once: the API table, the
message schema table (field metadata for generic tools and tests), the
round-trip dispatcher, the all.hpp umbrella header and the Kafka error codes.
"""

import csv

from cpp_names import snake, file_stem, cpp_string
from emit_message import BANNER, MessageEmitter
from versions import MAX_VERSION

KIND_ENUM = {"int8": "int8", "int16": "int16", "int32": "int32", "int64": "int64", "uint16": "uint16",
             "float64": "float64", "bool": "boolean", "uuid": "uuid", "string": "string", "bytes": "bytes",
             "records": "records", "struct": "structure", "array": "array"}


def _range(v):
    if v.empty():
        return "{1, 0}"
    return f"{{{v.lo}, {v.hi}}}"


def api_table(messages):
    reqs = {m.api_key: m for m in messages if m.kind == "request"}
    resps = {m.api_key: m for m in messages if m.kind == "response"}
    out = [BANNER.format(src="*Request.json").rstrip(), "",
           '#include "kwire/protocol/api_table.hpp"', "",
           "namespace kwire::protocol {", "", "namespace {", "",
           "// key, name, min version, max version, highest stable version, first flexible version (-1: never).",
           "constexpr ApiInfo kApis[] = {"]
    for key in sorted(reqs):
        m = reqs[key]
        if key not in resps or resps[key].valid != m.valid:
            raise ValueError(f"API {key}: request and response versions differ")
        name = m.name[: -len("Request")]
        flex = m.flexible.lo if not m.flexible.intersect(m.valid).empty() else -1
        # A spec marks only its newest version unstable ("latestVersionUnstable").
        stable = m.valid.hi - 1 if m.latest_unstable else m.valid.hi
        out.append(f'    {{{key}, "{name}", {m.valid.lo}, {m.valid.hi}, {stable}, {flex}}},')
    out += ["};", "", "}  // namespace", "",
            "std::span<const ApiInfo> all_apis() noexcept { return kApis; }", "",
            "}  // namespace kwire::protocol", ""]
    return "\n".join(out)


def schema_table(messages):
    out = [BANNER.format(src="every spec").rstrip(), "",
           '#include "kwire/protocol/message_schema.hpp"', "",
           "namespace kwire::protocol {", "", "namespace {", "",
           "using K = FieldKind;", ""]
    entries = []
    for mi, m in enumerate(messages):
        em = MessageEmitter(m)
        structs = em.all_structs()
        # Root first so struct index 0 is the message itself.
        structs = [x for x in structs if x[0] is m.root] + [x for x in structs if x[0] is not m.root]
        index = {id(s): i for i, (s, _) in enumerate(structs)}
        for si, (s, _) in enumerate(structs):
            out.append(f"constexpr FieldSchema kF{mi}_{si}[] = {{")
            if not s.fields:
                out.append("    {},")
            for f in s.fields:
                t = f.type
                elem = t.element.kind if t.kind == "array" else "int8"
                sidx = index[id(f.struct)] if f.struct is not None else -1
                if f.flexible is not None and not f.flexible.empty():
                    raise ValueError("only flexibleVersions 'none' is supported on fields")
                never_flex = "true" if f.flexible is not None else "false"
                default = cpp_string(f.default) if f.default is not None else '""'
                out.append(f'    {{"{f.name}", K::{KIND_ENUM[t.kind]}, K::{KIND_ENUM[elem]}, {sidx}, '
                           f'{_range(f.versions)}, {_range(f.nullable)}, {_range(f.tagged)}, {f.tag}, '
                           f'{default}, {"true" if f.ignorable else "false"}, {never_flex}}},')
            out.append("};")
        out.append(f"constexpr StructSchema kS{mi}[] = {{")
        for si, (s, _) in enumerate(structs):
            n = len(s.fields)
            out.append(f'    {{"{s.name}", std::span<const FieldSchema>(kF{mi}_{si}, {n})}},')
        out.append("};")
        entries.append(f'    {{{mi}, "{m.name}", MessageKind::{m.kind}, {m.api_key}, {_range(m.valid)}, '
                       f'{_range(m.flexible)}, kS{mi}}},')
    out += ["", "constexpr MessageSchema kMessages[] = {"] + entries + ["};", "", "}  // namespace", "",
            "std::span<const MessageSchema> all_message_schemas() noexcept { return kMessages; }", "",
            "}  // namespace kwire::protocol", ""]
    return "\n".join(out)


def round_trip_dispatch(messages):
    out = [BANNER.format(src="every spec").rstrip(), "",
           '#include "kwire/protocol/message_schema.hpp"', '#include "kwire/protocol/messages/all.hpp"',
           '#include "kwire/protocol/wire/reader.hpp"', '#include "kwire/protocol/wire/writer.hpp"', "",
           "namespace kwire::protocol {", "", "namespace {", "",
           "// Decode with the generated struct, then encode it again.",
           "template <typename Message>",
           "MessageRoundTrip run(std::int16_t version, Bytes body) {",
           "  MessageRoundTrip out;",
           "  Message m;",
           "  Reader r(body);",
           "  out.error = m.decode(r, version);",
           "  out.consumed = r.position();",
           "  if (out.error) return out;",
           "  out.encoded_size = m.encoded_size(version);",
           "  Writer w;",
           "  m.encode(w, version);",
           "  w.gather([&](Bytes piece) { out.encoded.insert(out.encoded.end(), piece.begin(), piece.end()); });",
           "  return out;",
           "}", "", "}  // namespace", "",
           "MessageRoundTrip round_trip_message(const MessageSchema& schema, std::int16_t version, Bytes body) {",
           "  switch (schema.index) {"]
    for mi, m in enumerate(messages):
        out.append(f"    case {mi}: return run<messages::{m.name}>(version, body);")
    out += ["  }", "  MessageRoundTrip none;", "  none.error = make_error_code(wire_errc::unsupported_version);",
            "  return none;", "}", "", "}  // namespace kwire::protocol", ""]
    return "\n".join(out)


def all_header(messages):
    out = [BANNER.format(src="every spec").rstrip(),
           "// Every generated message. For tools; other code includes only what it needs.",
           "#pragma once", ""]
    out += [f'#include "kwire/protocol/messages/{file_stem(m.name)}.hpp"' for m in messages]
    return "\n".join(out) + "\n"


def _error_rows(tsv_path):
    with open(tsv_path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return [(int(r["code"]), r["name"], r["retriable"].strip().lower() == "true", r["message"] or "")
            for r in rows]


def errc_header(tsv_path):
    out = [BANNER.format(src="kafka-docs/error-codes.tsv").rstrip(),
           "// Every error code a Kafka broker can send; see kwire/protocol/errors.hpp.",
           "#pragma once", "", "#include <cstdint>", "", "namespace kwire::protocol {", "",
           "enum class kafka_errc : std::int16_t {"]
    for code, name, _, _ in _error_rows(tsv_path):
        out.append(f"  {name.lower()} = {code},")
    out += ["};", "", "}  // namespace kwire::protocol", ""]
    return "\n".join(out)


def errc_table(tsv_path):
    out = [BANNER.format(src="kafka-docs/error-codes.tsv").rstrip(), "",
           '#include "kwire/protocol/errors.hpp"', "", "namespace kwire::protocol::detail {", "",
           "// code, name, retriable, message; sorted by code.",
           "const KafkaErrorInfo kKafkaErrors[] = {"]
    rows = sorted(_error_rows(tsv_path))
    for code, name, retriable, msg in rows:
        out.append(f'    {{{code}, "{name}", {"true" if retriable else "false"}, {cpp_string(msg)}}},')
    out += ["};", f"const std::size_t kKafkaErrorCount = {len(rows)};", "",
            "}  // namespace kwire::protocol::detail", ""]
    return "\n".join(out)
