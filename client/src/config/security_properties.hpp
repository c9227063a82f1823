// The security.protocol, ssl.* and sasl.* properties (Java names, PEM only)
// applied to SecurityConfig, and their consistency checks.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include "kwire/producer_config.hpp"

namespace kwire::detail {

enum class PropertyResult { applied, unknown, bad_value };

PropertyResult apply_security_property(SecurityConfig& sec, std::string_view key, const std::string& value,
                                       std::string& why);
// Every key apply_security_property() knows (for "closest supported" hints).
std::span<const std::string_view> security_property_names();
std::error_code validate_security(const SecurityConfig& sec, std::string& why);

}  // namespace kwire::detail
