// Topic name rules (see topic_name.hpp).
#include "config/topic_name.hpp"

namespace kwire::detail {

bool valid_topic_name(std::string_view topic) noexcept {
  constexpr std::size_t max_length = 249;
  if (topic.empty() || topic.size() > max_length || topic == "." || topic == "..") return false;
  for (char c : topic) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace kwire::detail
