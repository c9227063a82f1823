// A topic-partition as an ordered map or set key, and the comparator that
// also finds it by (string_view, partition), so a look-up builds no string.
// Plain data; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace kwire::detail {

using TopicPartitionKey = std::pair<std::string, std::int32_t>;
using TopicPartitionView = std::pair<std::string_view, std::int32_t>;

struct TopicPartitionLess {
  using is_transparent = void;
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    return TopicPartitionView(a.first, a.second) < TopicPartitionView(b.first, b.second);
  }
};

}  // namespace kwire::detail
