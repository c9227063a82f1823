// Strict property value parsers (see property_values.hpp).
#include "config/property_values.hpp"

#include <cctype>
#include <charconv>

namespace kwire::detail {

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<std::int64_t> parse_int(std::string_view text, std::int64_t min, std::int64_t max, std::string& why) {
  std::string_view t = trim(text);
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (t.empty() || ec != std::errc() || end != t.data() + t.size()) {
    why = "'" + std::string(text) + "' is not an integer";
    return std::nullopt;
  }
  if (value < min || value > max) {
    why = std::to_string(value) + " is out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]";
    return std::nullopt;
  }
  return value;
}

std::optional<bool> parse_bool(std::string_view text, std::string& why) {
  std::string t = to_lower(trim(text));
  if (t == "true") return true;
  if (t == "false") return false;
  why = "'" + std::string(text) + "' is not true or false";
  return std::nullopt;
}

std::vector<std::string> parse_list(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    std::size_t comma = text.find(',');
    std::string_view item = trim(text.substr(0, comma));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace kwire::detail
