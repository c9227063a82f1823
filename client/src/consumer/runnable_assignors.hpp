// The assignors of partition.assignment.strategy this consumer runs as a
// group leader, in the configured order. The membership is given these, and
// subscribe() refuses a consumer with none (consumer_impl.cpp and
// consumer_subscription.cpp).
#pragma once

#include <string>
#include <vector>

#include "kwire/consumer_config.hpp"

namespace kwire::detail {

inline std::vector<std::string> runnable_assignors(const ConsumerConfig& c) {
  std::vector<std::string> out;
  for (const std::string& name : c.partition_assignment_strategy)
    if (name == "range" || name == "roundrobin" || name == "cooperative-sticky") out.push_back(name);
  return out;
}

}  // namespace kwire::detail
