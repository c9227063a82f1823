// Bounds and consistency checks of a Metadata response (see the header).
#include "cluster/metadata_validation.hpp"

#include <cstdint>
#include <unordered_set>
#include <vector>

namespace kwire::detail {

namespace {

using Topic = protocol::messages::MetadataResponse::MetadataResponseTopic;

std::string where(const Topic& topic) { return "topic '" + topic.name.value_or("<null>") + "'"; }

bool all_node_ids(const std::vector<std::int32_t>& nodes) {
  for (std::int32_t node : nodes)
    if (node < 0) return false;
  return true;
}

// Every partition index lies in [0, count) and appears once: a topic's table
// is then sized by the entries on the wire, never by a number the peer chose.
std::string partitions_problem(const Topic& topic) {
  const std::size_t count = topic.partitions.size();
  std::vector<bool> seen(count, false);
  for (const auto& p : topic.partitions) {
    const std::string at = where(topic) + " partition " + std::to_string(p.partition_index);
    if (p.partition_index < 0 || static_cast<std::size_t>(p.partition_index) >= count)
      return at + ": index outside the " + std::to_string(count) + " partitions listed";
    if (seen[static_cast<std::size_t>(p.partition_index)]) return at + ": listed twice";
    seen[static_cast<std::size_t>(p.partition_index)] = true;
    if (p.leader_id < -1) return at + ": leader id " + std::to_string(p.leader_id);
    if (p.leader_epoch < -1) return at + ": leader epoch " + std::to_string(p.leader_epoch);
    if (!all_node_ids(p.replica_nodes) || !all_node_ids(p.isr_nodes) || !all_node_ids(p.offline_replicas))
      return at + ": negative node id among replicas";
  }
  return {};
}

}  // namespace

std::string metadata_response_problem(const protocol::messages::MetadataResponse& response) {
  std::unordered_set<std::int32_t> node_ids;
  for (const auto& b : response.brokers) {
    if (b.node_id < 0) return "broker node id " + std::to_string(b.node_id);
    if (!node_ids.insert(b.node_id).second) return "broker node id " + std::to_string(b.node_id) + " listed twice";
  }
  if (response.controller_id < -1) return "controller id " + std::to_string(response.controller_id);
  for (const auto& topic : response.topics) {
    auto problem = partitions_problem(topic);
    if (!problem.empty()) return problem;
  }
  return {};
}

}  // namespace kwire::detail
