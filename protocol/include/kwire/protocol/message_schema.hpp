// A description of every generated message, field by field, as data: the
// spec's field names, types and version ranges. Generic tools use it (the
// `kwire wire` JSON conformance tool, tests that build random frames) without
// knowing each struct. round_trip_message() decodes a body with the generated
// struct and encodes it again. Generated: protocol/generated/src/message_*.cpp.
// Any thread; read-only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <system_error>
#include <vector>

#include "kwire/protocol/wire/bytes.hpp"

namespace kwire::protocol {

enum class FieldKind : std::uint8_t {
  int8, int16, int32, int64, uint16, float64, boolean, uuid, string, bytes, records, structure, array
};

struct VersionRange {
  std::int16_t lo = 1;
  std::int16_t hi = 0;  // lo > hi: no version
  constexpr bool contains(std::int16_t v) const noexcept { return lo <= v && v <= hi; }
  constexpr bool empty() const noexcept { return lo > hi; }
};

struct FieldSchema {
  std::string_view name;        // as in the spec: "TransactionalId"
  FieldKind kind = FieldKind::int8;
  FieldKind element = FieldKind::int8;  // for arrays
  std::int16_t struct_index = -1;       // for structs and arrays of structs: into MessageSchema::structs
  VersionRange versions, nullable, tagged;
  std::int32_t tag = -1;
  std::string_view default_value;       // the spec's text; empty when it gives none
  bool ignorable = false;
  bool never_flexible = false;          // RequestHeader.ClientId keeps its classic encoding

  // Written as a tagged field (rather than in the body) at this version.
  constexpr bool is_tagged(std::int16_t v) const noexcept { return tagged.contains(v); }
};

struct StructSchema {
  std::string_view name;
  std::span<const FieldSchema> fields;
};

enum class MessageKind : std::uint8_t { request, response, header, data };

struct MessageSchema {
  std::uint16_t index;          // position in all_message_schemas()
  std::string_view name;        // "ProduceRequest"
  MessageKind kind;
  std::int16_t api_key;         // -1 for headers and data
  VersionRange valid, flexible;
  std::span<const StructSchema> structs;  // [0] is the message itself

  bool is_flexible(std::int16_t v) const noexcept { return flexible.contains(v); }
};

std::span<const MessageSchema> all_message_schemas() noexcept;
const MessageSchema* find_message_schema(std::string_view name) noexcept;
const MessageSchema* find_message_schema(MessageKind kind, std::int16_t api_key) noexcept;

struct MessageRoundTrip {
  std::error_code error;               // from decoding
  std::size_t consumed = 0;            // bytes the decoder read
  std::size_t encoded_size = 0;        // what encoded_size() predicted
  std::vector<std::uint8_t> encoded;   // what encode() wrote
};

// Decodes `body` as `schema` at `version` with the generated struct, then
// encodes the result again (only when decoding succeeded).
MessageRoundTrip round_trip_message(const MessageSchema& schema, std::int16_t version, Bytes body);

}  // namespace kwire::protocol
