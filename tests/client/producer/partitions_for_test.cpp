// Producer::partitions_for: the partitions of a topic the cluster has, fetched
// when not known yet, with their leaders; names Kafka refuses fail at once. A
// custom partitioner is shown the same view: the partitions with a leader.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "kwire/errors.hpp"
#include "kwire/partition_info.hpp"
#include "kwire/producer.hpp"
#include "log_reader.hpp"
#include "mock_cluster.hpp"

using namespace std::chrono_literals;

namespace partitions_for_test {

// Asks partitions_for until `done` holds for the answer or 10 s passed. The
// producer learns of a leader change at its next metadata refresh (the tests
// set metadata.max.age.ms to 100), so this waits on that event, bounded.
bool wait_for_view(kwire::Producer& producer, const std::string& topic,
                   const std::function<bool(const std::vector<kwire::PartitionInfo>&)>& done,
                   std::vector<kwire::PartitionInfo>& out) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!producer.partitions_for(topic, 10s, out) && done(out)) return true;
    std::this_thread::sleep_for(10ms);  // a poll interval, not a guess at the timing
  }
  return false;
}

std::vector<std::string> values_of(const kwire::test::ReadResult& read) {
  std::vector<std::string> values;
  for (const auto& r : read.records) values.push_back(r.value.value_or("<null>"));
  return values;
}

}  // namespace partitions_for_test

TEST_CASE("partitions_for lists a topic's partitions, fetching its metadata", "[producer][metadata][mock]") {
  kwire::test::MockCluster cluster(1, {{"three", 3}, {"seven", 7}});
  kwire::Producer producer({{"bootstrap.servers", cluster.bootstrap()}});
  std::vector<std::int32_t> partitions{99};
  REQUIRE_FALSE(producer.partitions_for("three", 10s, partitions));
  CHECK(partitions == std::vector<std::int32_t>{0, 1, 2});
  REQUIRE_FALSE(producer.partitions_for("seven", 10s, partitions));
  CHECK(partitions.size() == 7);
  CHECK(partitions.back() == 6);
}

TEST_CASE("partitions_for refuses a topic name Kafka refuses", "[producer][metadata][topic]") {
  kwire::test::MockCluster cluster(1);
  kwire::Producer producer({{"bootstrap.servers", cluster.bootstrap()}});
  std::vector<std::int32_t> partitions{1};
  CHECK(producer.partitions_for("no spaces", 10s, partitions) == kwire::errc::invalid_topic);
  CHECK(partitions.empty());
  CHECK(producer.partitions_for("", 10s, partitions) == kwire::errc::invalid_topic);
  std::vector<kwire::PartitionInfo> infos{kwire::PartitionInfo{}};
  CHECK(producer.partitions_for("no spaces", 10s, infos) == kwire::errc::invalid_topic);
  CHECK(infos.empty());
}

TEST_CASE("partitions_for reports each partition's leader and replicas, and a partition that lost its leader",
          "[producer][metadata][leaders][mock]") {
  kwire::test::MockCluster cluster(3, {{"leaders", 4, 3}});
  kwire::Producer producer({{"bootstrap.servers", cluster.bootstrap()}, {"metadata.max.age.ms", "100"}});
  std::vector<kwire::PartitionInfo> parts;
  REQUIRE_FALSE(producer.partitions_for("leaders", 10s, parts));
  REQUIRE(parts.size() == 4);
  for (std::int32_t p = 0; p < 4; ++p) {
    const kwire::PartitionInfo& info = parts[static_cast<std::size_t>(p)];
    CHECK(info.partition == p);
    CHECK(info.leader >= 1);
    CHECK(info.leader <= 3);
    CHECK(info.available);
    CHECK(info.replicas.size() == 3);
    CHECK(std::count(info.replicas.begin(), info.replicas.end(), info.leader) == 1);
  }

  cluster.set_leader("leaders", 2, -1);
  REQUIRE(partitions_for_test::wait_for_view(
      producer, "leaders", [](const auto& v) { return v.size() == 4 && v[2].leader == -1; }, parts));
  CHECK_FALSE(parts[2].available);
  CHECK(parts[2].replicas.size() == 3);  // still its replicas, only without a leader
  for (std::size_t p : {0u, 1u, 3u}) {
    CHECK(parts[p].available);
    CHECK(parts[p].leader >= 1);
  }
}

TEST_CASE("a custom partitioner is shown the partitions that have a leader, and its records land where it chose",
          "[producer][partitioner][leaders][mock]") {
  kwire::test::MockCluster cluster(3, {{"avail", 4}});
  struct Seen {
    std::mutex mu;
    std::vector<std::int32_t> available;
    std::int32_t count = 0;
  } seen;
  // The first partition from 2 on that has a leader: 2 while it has one, 3 after.
  kwire::ProducerConfig config{
      .bootstrap_servers = {cluster.bootstrap()},
      .linger = 0ms,
      .custom_partitioner = [&seen](std::string_view, std::optional<kwire::Bytes>, std::int32_t count,
                                    std::span<const std::int32_t> available) -> std::int32_t {
        {
          std::lock_guard lock(seen.mu);
          seen.available.assign(available.begin(), available.end());
          seen.count = count;
        }
        for (std::int32_t p : available)
          if (p >= 2) return p;
        return -1;
      },
      .metadata_max_age = 100ms,
  };
  kwire::Producer producer(std::move(config));

  kwire::RecordMetadata md = producer.send({.topic = "avail", .value = kwire::as_bytes("before")}).get();
  CHECK(md.partition == 2);
  {
    std::lock_guard lock(seen.mu);
    CHECK(seen.available == std::vector<std::int32_t>{0, 1, 2, 3});
    CHECK(seen.count == 4);
  }

  cluster.set_leader("avail", 2, -1);
  std::vector<kwire::PartitionInfo> parts;
  REQUIRE(partitions_for_test::wait_for_view(
      producer, "avail", [](const auto& v) { return v.size() == 4 && !v[2].available; }, parts));
  md = producer.send({.topic = "avail", .value = kwire::as_bytes("after")}).get();
  CHECK(md.partition == 3);
  {
    std::lock_guard lock(seen.mu);
    CHECK(seen.available == std::vector<std::int32_t>{0, 1, 3});
  }

  // Read back: each record is in the partition the partitioner chose.
  auto p3 = kwire::test::read_partition(cluster.bootstrap(), "avail", 3);
  REQUIRE(p3.error.empty());
  CHECK(partitions_for_test::values_of(p3) == std::vector<std::string>{"after"});
  cluster.set_leader("avail", 2, 1);  // the reader needs a leader to read partition 2
  auto p2 = kwire::test::read_partition(cluster.bootstrap(), "avail", 2);
  REQUIRE(p2.error.empty());
  CHECK(partitions_for_test::values_of(p2) == std::vector<std::string>{"before"});
}

TEST_CASE("a custom partitioner of the three-argument form still assigns and runs", "[producer][partitioner][mock]") {
  kwire::test::MockCluster cluster(1, {{"three-args", 3}});
  kwire::ProducerConfig config{.bootstrap_servers = {cluster.bootstrap()},
                               .custom_partitioner = [](std::string_view, std::optional<kwire::Bytes>,
                                                        std::int32_t count) -> std::int32_t { return count - 1; }};
  kwire::Producer producer(std::move(config));
  CHECK(producer.send({.topic = "three-args", .value = kwire::as_bytes("v")}).get().partition == 2);
  kwire::ProducerConfig empty;
  empty.custom_partitioner = kwire::PartitionerFunction{};  // an empty function is no partitioner
  CHECK_FALSE(empty.custom_partitioner);
}
