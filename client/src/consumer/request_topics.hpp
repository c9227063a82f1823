// Requests that list partitions by topic (ListOffsets, OffsetCommit,
// OffsetFetch): entries arrive ordered by topic, so each goes to the last
// topic of the request, or to a new one when its topic changes.
#pragma once

#include <string>

namespace kwire::detail {

template <typename Topics>
auto& topic_entry(Topics& topics, const std::string& name) {
  if (topics.empty() || topics.back().name != name) {
    topics.emplace_back();
    topics.back().name = name;
  }
  return topics.back();
}

}  // namespace kwire::detail
