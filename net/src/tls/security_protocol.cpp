// Parsing and printing of `security.protocol`.
#include "kwire/net/tls/security_protocol.hpp"

#include <array>
#include <utility>

namespace kwire::net {
namespace {

constexpr std::array<std::pair<std::string_view, SecurityProtocol>, 4> kNames{{
    {"PLAINTEXT", SecurityProtocol::plaintext},
    {"SSL", SecurityProtocol::ssl},
    {"SASL_PLAINTEXT", SecurityProtocol::sasl_plaintext},
    {"SASL_SSL", SecurityProtocol::sasl_ssl},
}};

bool equal_ignoring_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
    if (x != b[i]) return false;
  }
  return true;
}

}  // namespace

std::optional<SecurityProtocol> parse_security_protocol(std::string_view text) noexcept {
  for (const auto& [name, value] : kNames)
    if (equal_ignoring_case(text, name)) return value;
  return std::nullopt;
}

std::string_view to_string(SecurityProtocol protocol) noexcept {
  for (const auto& [name, value] : kNames)
    if (value == protocol) return name;
  return "UNKNOWN";
}

}  // namespace kwire::net
