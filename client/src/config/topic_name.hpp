// Kafka's rules for a topic name (as the broker's Topic.validate): 1 to 249
// characters of [a-zA-Z0-9._-], and neither "." nor "..". Checked before a
// record waits for the metadata of a topic that can never exist.
// Pure function; any thread.
#pragma once

#include <string_view>

namespace kwire::detail {

bool valid_topic_name(std::string_view topic) noexcept;

}  // namespace kwire::detail
