// Converts Kafka message bodies to and from JSON with the spec's field names,
// driven by the generated schema table (kwire/protocol/message_schema.hpp):
// bytes, records and uuids as hex strings, null as null, unknown tagged
// fields under "_unknown_tagged_fields". Canonical input gives decode then
// encode identical bytes. Used by `kwire wire`; single thread.
#pragma once

#include <cstdint>
#include <string>

#include "json.hpp"
#include "kwire/protocol/message_schema.hpp"
#include "kwire/protocol/wire/reader.hpp"
#include "kwire/protocol/wire/writer.hpp"

namespace kwire::tool {

// Reads one message body; on a wire error the reader holds it and the JSON is partial.
Json message_to_json(const protocol::MessageSchema& m, std::int16_t version, protocol::Reader& r);

// Writes the body described by j; false (and a reason in *error) for a document
// that does not match the schema at this version.
bool json_to_message(const protocol::MessageSchema& m, std::int16_t version, const Json& j, protocol::Writer& w,
                     std::string* error);

std::string to_hex(protocol::Bytes b);
bool from_hex(const std::string& text, std::vector<std::uint8_t>& out);

}  // namespace kwire::tool
