// What the Fetcher's files share (fetcher.hpp): a partition's name in the
// errors they report, and finding the sent partitions an answer's partition
// stands for.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "consumer/fetch_queue.hpp"

namespace kwire::detail {

inline std::string partition_name(const PartitionKey& key) {
  return *key.topic + " [" + std::to_string(key.partition) + "]";
}

// Groups the sent partitions of a response by (topic, partition).
template <typename F>
void for_each_answer(std::vector<std::pair<std::string_view, std::int32_t>>& index, const std::string& topic,
                     std::int32_t partition, F&& f) {
  for (std::size_t i = 0; i < index.size(); ++i)
    if (index[i].second == partition && index[i].first == topic) f(i);
}

}  // namespace kwire::detail
