"""C++ spellings for the spec model: identifiers, member types, defaults.

Field names become snake_case; struct names keep the spec's CamelCase. Names
that clash with a generated member (api_key, version...) get a trailing "_".
"""

import re

from versions import Versions

# Members every generated struct declares, and the constants of a message
# struct; a field of the same name gets a trailing "_".
RESERVED = {"encode", "decode", "encoded_size", "validate", "equals_default", "unknown_tagged_fields"}
RESERVED_IN_MESSAGE = {"api_key", "min_version", "max_version", "first_flexible_version"}

INT_TYPES = {"int8": "std::int8_t", "int16": "std::int16_t", "int32": "std::int32_t",
             "int64": "std::int64_t", "uint16": "std::uint16_t"}


def snake(name):
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    return s.lower()


def member_name(field):
    n = snake(field.name)
    clash = n in RESERVED or (field.in_message_root and n in RESERVED_IN_MESSAGE)
    return n + "_" if clash else n


def file_stem(message_name):
    return snake(message_name)


def api_stem(message_name):
    """Request and response of one API share a source file: metadata.cpp."""
    for suffix in ("Request", "Response"):
        if message_name.endswith(suffix) and message_name not in ("RequestHeader", "ResponseHeader"):
            return snake(message_name[: -len(suffix)])
    return snake(message_name)


def is_nullable(field):
    return not field.nullable.empty()


def element_type(t):
    if t.kind in INT_TYPES:
        return INT_TYPES[t.kind]
    return {"float64": "double", "bool": "bool", "uuid": "kwire::protocol::Uuid",
            "string": "std::string", "bytes": "kwire::protocol::Bytes",
            "records": "kwire::protocol::Bytes", "struct": t.struct_name}[t.kind]


def member_type(field):
    t = field.type
    if t.kind == "records":
        return "std::optional<kwire::protocol::Bytes>"
    base = f"std::vector<{element_type(t.element)}>" if t.kind == "array" else element_type(t)
    if is_nullable(field) and t.kind in ("string", "bytes", "array", "struct"):
        return f"std::optional<{base}>"
    return base


def _int_literal(text, kind):
    v = int(str(text), 0)
    if kind == "int64":
        if v == -(1 << 63):
            return "INT64_MIN"
        return f"INT64_C({v})"
    if kind == "int32" and v == -(1 << 31):
        return "INT32_MIN"
    return str(v)


def default_is_null(field):
    return str(field.default) == "null"


def initializer(field):
    """Member initialiser text (after '='), or None for value-initialisation."""
    t, d = field.type, field.default
    if t.kind in INT_TYPES:
        return _int_literal(d, t.kind) if d not in (None, "") else "0"
    if t.kind == "bool":
        return "true" if str(d).lower() == "true" else "false"
    if t.kind == "float64":
        return repr(float(d)) if d not in (None, "") else "0.0"
    if t.kind == "string":
        if is_nullable(field):
            if default_is_null(field):
                return None
            return f"std::string({cpp_string(d or '')})"
        return f"std::string({cpp_string(d)})" if d else None
    if t.kind in ("bytes", "array", "struct") and is_nullable(field) and not default_is_null(field):
        inner = member_type(field)[len("std::optional<"):-1]
        return f"{inner}{{}}"
    return None


def cpp_string(s):
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'


def default_test(field, expr):
    """C++ expression that is true when `expr` holds the field's default value."""
    t = field.type
    if t.kind in INT_TYPES or t.kind in ("bool", "float64"):
        return f"{expr} == {initializer(field)}"
    if t.kind == "uuid":
        return f"{expr} == kwire::protocol::Uuid{{}}"
    if t.kind == "records":
        return f"!{expr}"
    nullable = is_nullable(field)
    if t.kind == "string":
        d = field.default or ""
        if nullable:
            return f"!{expr}" if default_is_null(field) else f"({expr} && *{expr} == {cpp_string(d)})"
        return f"{expr}.empty()" if not d else f"{expr} == {cpp_string(d)}"
    if t.kind in ("bytes", "array"):
        if nullable:
            return f"!{expr}" if default_is_null(field) else f"({expr} && {expr}->empty())"
        return f"{expr}.empty()"
    if t.kind == "struct":
        if nullable:
            return f"!{expr}" if default_is_null(field) else f"({expr} && {expr}->equals_default())"
        return f"{expr}.equals_default()"
    raise ValueError(t.kind)


def regular_versions(field):
    """Versions in which the field is written in the body, not as a tagged field."""
    if field.tagged.empty():
        return field.versions
    return Versions(field.versions.lo, min(field.versions.hi, field.tagged.lo - 1))
