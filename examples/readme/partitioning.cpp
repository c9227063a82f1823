#include <kwire/partitioner.hpp>
#include <kwire/producer.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// Prints the leaders of "orders", then sends a keyed record through a
// partitioner that hashes keys over the partitions that have a leader.
std::int32_t produce_to_led_partition(const std::string& bootstrap, const std::string& key) {
  kwire::Producer producer(kwire::ProducerConfig{
      .bootstrap_servers = {bootstrap},
      .custom_partitioner = [](std::string_view, std::optional<kwire::Bytes> k, std::int32_t,
                               std::span<const std::int32_t> available) -> std::int32_t {
        if (!k || available.empty()) return -1;  // -1: the `partitioner` setting decides
        const std::int32_t i = kwire::murmur2_partition(*k, static_cast<std::int32_t>(available.size()));
        return available[static_cast<std::size_t>(i)];
      }});
  std::vector<kwire::PartitionInfo> partitions;
  if (!producer.partitions_for("orders", std::chrono::seconds(10), partitions))
    for (const kwire::PartitionInfo& p : partitions)
      std::printf("orders-%d: leader %d%s\n", p.partition, p.leader, p.available ? "" : " (none)");
  const kwire::Record record{.topic = "orders", .key = kwire::as_bytes(key), .value = kwire::as_bytes("hello")};
  return producer.send(record).get().partition;  // throws std::system_error on failure
}
