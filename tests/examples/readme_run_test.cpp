// The README's blocks run against librdkafka's mock cluster, and librdkafka
// reads back what they wrote.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <kwire/consumer.hpp>
#include <kwire/partitioner.hpp>
#include <kwire/producer.hpp>

#include "log_reader.hpp"
#include "mock_cluster.hpp"
#include "readme_blocks.hpp"

TEST_CASE("README Producing block delivers its record twice", "[readme]") {
  kwire::test::MockCluster cluster(1, {{"events", 1}});
  produce(cluster.bootstrap(), "payload-1");
  auto read = kwire::test::read_partition(cluster.bootstrap(), "events", 0);
  REQUIRE(read.error.empty());
  REQUIRE(read.records.size() == 2);
  for (const auto& r : read.records) {
    CHECK(r.key == "user-42");
    CHECK(r.value == "payload-1");
  }
}

TEST_CASE("README Partitions block sends over the partitions that have a leader", "[readme][partitioner]") {
  kwire::test::MockCluster cluster(2, {{"orders", 3}});
  cluster.set_leader("orders", 1, -1);  // before the producer starts: its first metadata shows it
  const std::vector<std::int32_t> led{0, 2};
  for (const std::string key : {"anna", "bob", "carl", "dora"}) {
    const std::int32_t expected = led[static_cast<std::size_t>(kwire::murmur2_partition(kwire::as_bytes(key), 2))];
    CHECK(produce_to_led_partition(cluster.bootstrap(), key) == expected);
  }
  std::size_t written = 0;
  for (std::int32_t p : led) {
    auto read = kwire::test::read_partition(cluster.bootstrap(), "orders", p);
    REQUIRE(read.error.empty());
    for (const auto& r : read.records) CHECK(kwire::murmur2_partition(kwire::as_bytes(*r.key), 2) == (p == 0 ? 0 : 1));
    written += read.records.size();
  }
  CHECK(written == 4);
}

TEST_CASE("README Transactions block commits a record", "[readme]") {
  kwire::test::MockCluster cluster(1, {{"out", 1}, {"in", 1}});
  const kwire::Record record{.topic = "out", .partition = 0, .value = kwire::as_bytes("txn-value")};
  REQUIRE(produce_in_transaction(cluster.bootstrap(), record, 7));
  auto read = kwire::test::read_partition(cluster.bootstrap(), "out", 0);
  REQUIRE(read.error.empty());
  REQUIRE(read.records.size() == 1);
  CHECK(read.records[0].value == "txn-value");
}

TEST_CASE("README Consuming block reads, commits, and starts again after its commit", "[readme]") {
  kwire::test::MockCluster cluster(1, {{"events", 1}});
  kwire::Producer producer({{"bootstrap.servers", cluster.bootstrap()}});
  for (const char* v : {"a", "b", "c"}) REQUIRE(producer.send({.topic = "events", .partition = 0, .value = kwire::as_bytes(v)}).get().offset >= 0);
  CHECK(consume(cluster.bootstrap(), 3) == 3);
  REQUIRE(producer.send({.topic = "events", .partition = 0, .value = kwire::as_bytes("d")}).get().offset == 3);
  CHECK(consume(cluster.bootstrap(), 1) == 1);  // from the committed offset 3, not the beginning
}

// The mock runs the group (it elects the leader when its join window ends,
// about 3 s); "other" and "events2" do not match the block's pattern, so
// reading 9 records means exactly the 9 of "events" and "events-eu".
TEST_CASE("README Subscribing block reads the topics its pattern matches, through async_poll", "[readme]") {
  kwire::test::MockCluster cluster(1, {{"events", 1}, {"events-eu", 2}, {"other", 1}, {"events2", 1}});
  kwire::Producer producer({{"bootstrap.servers", cluster.bootstrap()}});
  for (const auto& [topic, partition] : std::vector<std::pair<std::string, std::int32_t>>{
           {"events", 0}, {"events-eu", 0}, {"events-eu", 1}, {"other", 0}, {"events2", 0}})
    for (const char* v : {"a", "b", "c"})
      REQUIRE(producer.send({.topic = topic, .partition = partition, .value = kwire::as_bytes(v)}).get().offset >= 0);
  CHECK(consume_subscribed(cluster.bootstrap(), 9) == 9);
  // Its close() committed: the group starts after what it read, nothing is left.
  kwire::Consumer check({{"bootstrap.servers", cluster.bootstrap()}, {"group.id", "readme-group"}});
  kwire::CommitOffsets committed;
  const std::vector<kwire::TopicPartition> parts{{"events", 0}, {"events-eu", 0}, {"events-eu", 1}, {"other", 0}};
  REQUIRE(!check.committed(parts, committed, std::chrono::seconds(10)));
  CHECK(committed[{"events", 0}].offset == 3);
  CHECK(committed[{"events-eu", 0}].offset == 3);
  CHECK(committed[{"events-eu", 1}].offset == 3);
  CHECK(committed.count({"other", 0}) == 0);
}
