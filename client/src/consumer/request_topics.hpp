// Requests that list partitions by topic (ListOffsets, OffsetCommit,
// OffsetFetch, Fetch, OffsetForLeaderEpoch): entries arrive ordered by topic,
// so each goes to the last topic of the request, or to a new one when its
// topic changes. The topic's name field is `name`, or the member given.
#pragma once

#include <string>

namespace kwire::detail {

template <typename Topics, typename Field>
auto& topic_entry(Topics& topics, const std::string& name, Field field) {
  if (topics.empty() || topics.back().*field != name) {
    topics.emplace_back();
    topics.back().*field = name;
  }
  return topics.back();
}

template <typename Topics>
auto& topic_entry(Topics& topics, const std::string& name) {
  return topic_entry(topics, name, &Topics::value_type::name);
}

}  // namespace kwire::detail
