// Producer::partitions_for: the partitions of a topic the cluster has, fetched
// when not known yet; names Kafka refuses fail at once.
#include <catch2/catch.hpp>

#include <chrono>
#include <vector>

#include "kwire/errors.hpp"
#include "kwire/producer.hpp"
#include "mock_cluster.hpp"

using namespace std::chrono_literals;

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
}
