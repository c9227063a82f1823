// A topic's partition as the producer's latest metadata describes it, for
// Producer::partitions_for (Java's PartitionInfo, librdkafka's
// rd_kafka_metadata_partition). Any thread; plain data.
#pragma once

#include <cstdint>
#include <vector>

namespace kwire {

struct PartitionInfo {
  std::int32_t partition = -1;
  std::int32_t leader = -1;  // broker id of the leader; -1: no leader right now
  std::vector<std::int32_t> replicas{};
  std::vector<std::int32_t> in_sync_replicas{};
  // It has a leader, so its records can go out now: the partitions a
  // partitioner is shown as `available` (Java's availablePartitionsForTopic).
  bool available = false;

  friend bool operator==(const PartitionInfo&, const PartitionInfo&) = default;
};

}  // namespace kwire
