// Strict parsers for configuration property values (integers with ranges,
// booleans, durations, lists), each explaining a rejection in words.
// Any thread; pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kwire::detail {

// The whole string must be a base-10 integer within [min, max].
std::optional<std::int64_t> parse_int(std::string_view text, std::int64_t min, std::int64_t max, std::string& why);
// "true" or "false" (case-insensitive), as the Java client accepts.
std::optional<bool> parse_bool(std::string_view text, std::string& why);
// Comma-separated, whitespace trimmed, empty items dropped.
std::vector<std::string> parse_list(std::string_view text);
std::string to_lower(std::string_view text);
std::string_view trim(std::string_view text);

}  // namespace kwire::detail
