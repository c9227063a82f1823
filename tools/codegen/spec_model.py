"""Parses Kafka's JSON message specs (which carry // comments) into a model.

A MessageSpec has one root StructSpec; every struct-typed field points at a
StructSpec, either declared inline ("fields") or among the file's
"commonStructs". Nothing here knows about C++.
"""

import json
import re
from dataclasses import dataclass, field as dc_field
from pathlib import Path

from versions import Versions, NONE

PRIMITIVES = {"int8", "int16", "int32", "int64", "uint16", "float64", "bool",
              "uuid", "string", "bytes", "records"}


@dataclass
class FieldType:
    kind: str                 # a primitive name, "struct" or "array"
    struct_name: str = ""     # for struct, and arrays of structs
    element: "FieldType" = None  # for arrays

    @staticmethod
    def parse(text):
        if text.startswith("[]"):
            return FieldType("array", element=FieldType.parse(text[2:]))
        if text in PRIMITIVES:
            return FieldType(text)
        return FieldType("struct", struct_name=text)

    def is_struct_like(self):
        return self.kind == "struct" or (self.kind == "array" and self.element.kind == "struct")


@dataclass
class FieldSpec:
    name: str
    type: FieldType
    versions: Versions
    nullable: Versions
    tagged: Versions
    tag: int
    default: object
    ignorable: bool
    flexible: Versions = None   # per-field override (RequestHeader.ClientId: "none")
    struct: "StructSpec" = None  # resolved for struct-like types
    in_message_root: bool = False  # a field of the message struct itself


@dataclass
class StructSpec:
    name: str
    fields: list
    versions: Versions
    common: bool = False      # declared in the file's commonStructs


@dataclass
class MessageSpec:
    name: str
    kind: str                 # request, response, header or data
    api_key: int
    valid: Versions
    flexible: Versions
    latest_unstable: bool     # the newest valid version may still change (set on requests); see ApiInfo
    root: StructSpec
    structs: list = dc_field(default_factory=list)  # nested structs, declaration order
    file: str = ""


def load_json_with_comments(path):
    text = Path(path).read_text(encoding="utf-8")
    # Specs put // comments on their own lines; strings never hold "//" at a line start.
    text = re.sub(r"^\s*//.*$", "", text, flags=re.M)
    return json.loads(text)


def _parse_field(raw, message_versions, declared, common_by_name):
    ftype = FieldType.parse(raw["type"])
    versions = Versions.parse(raw["versions"])
    f = FieldSpec(
        name=raw["name"],
        type=ftype,
        versions=versions,
        nullable=Versions.parse(raw.get("nullableVersions"), NONE),
        tagged=Versions.parse(raw.get("taggedVersions"), NONE),
        tag=int(raw.get("tag", -1)),
        default=raw.get("default"),
        ignorable=bool(raw.get("ignorable", False)),
        flexible=Versions.parse(raw["flexibleVersions"]) if "flexibleVersions" in raw else None,
    )
    if ftype.is_struct_like():
        name = ftype.struct_name if ftype.kind == "struct" else ftype.element.struct_name
        if "fields" in raw:
            sub = StructSpec(name, [], versions)
            declared.append(sub)
            sub.fields = [_parse_field(r, message_versions, declared, common_by_name) for r in raw["fields"]]
            f.struct = sub
        else:
            if name not in common_by_name:
                raise ValueError(f"field {f.name}: unknown struct type {name}")
            f.struct = common_by_name[name]
    return f


def parse_spec(path):
    raw = load_json_with_comments(path)
    valid = Versions.parse(raw["validVersions"])
    declared = []
    common_by_name = {}
    common_raw = raw.get("commonStructs", [])
    # Common structs may refer to one another, so create them all before parsing fields.
    for c in common_raw:
        common_by_name[c["name"]] = StructSpec(c["name"], [], Versions.parse(c.get("versions", "0+")), True)
    for c in common_raw:
        s = common_by_name[c["name"]]
        declared.append(s)
        s.fields = [_parse_field(r, valid, declared, common_by_name) for r in c["fields"]]
    root = StructSpec(raw["name"], [], valid)
    root.fields = [_parse_field(r, valid, declared, common_by_name) for r in raw["fields"]]
    for f in root.fields:
        f.in_message_root = True
    return MessageSpec(
        name=raw["name"],
        kind=raw["type"],
        api_key=raw.get("apiKey", -1),
        valid=valid,
        flexible=Versions.parse(raw.get("flexibleVersions"), NONE),
        latest_unstable=bool(raw.get("latestVersionUnstable", False)),
        root=root,
        structs=declared,
        file=Path(path).name,
    )


def load_all(specs_dir):
    """Every request, response, header and data spec, sorted by file name."""
    out = []
    for p in sorted(Path(specs_dir).glob("*.json")):
        out.append(parse_spec(p))
    return out
