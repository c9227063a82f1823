// Lookups over the generated message schema table.
#include "kwire/protocol/message_schema.hpp"

namespace kwire::protocol {

const MessageSchema* find_message_schema(std::string_view name) noexcept {
  for (const auto& m : all_message_schemas())
    if (m.name == name) return &m;
  return nullptr;
}

const MessageSchema* find_message_schema(MessageKind kind, std::int16_t api_key) noexcept {
  for (const auto& m : all_message_schemas())
    if (m.kind == kind && m.api_key == api_key) return &m;
  return nullptr;
}

}  // namespace kwire::protocol
