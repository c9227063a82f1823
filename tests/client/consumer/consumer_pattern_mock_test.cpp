// subscribe(pattern) against librdkafka's mock cluster: the consumer joins
// its group for the topics whose whole name matches, and a matching topic
// created later (rd_kafka_mock_topic_create, records by librdkafka's
// producer) joins the assignment at the next recheck (metadata.max.age.ms),
// its records read from the start; topics that only contain a match, or do
// not match, are never read; subscription() names the matched topics. The mock reports no internal topics, so their
// exclusion is shown on the matching rule alone.
#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "consumer/topic_pattern_watcher.hpp"
#include "consumer_reading.hpp"
#include "kwire/consumer.hpp"
#include "mock_cluster.hpp"
#include "rdkafka_producer.hpp"

using namespace std::chrono_literals;
using kwire::detail::TopicPatternWatcher;

namespace {

void write(kwire::test::MockCluster& cluster, const std::string& topic, int partitions) {
  kwire::test::RdkafkaProducer producer(cluster.bootstrap(), {{"linger.ms", "0"}});
  for (int p = 0; p < partitions; ++p) {
    std::vector<kwire::test::PeerRecord> records(10);
    for (int i = 0; i < 10; ++i)
      records[static_cast<std::size_t>(i)].value = topic + "/" + std::to_string(p) + "/" + std::to_string(i);
    producer.write(topic, p, records);
  }
}

std::map<std::string, int> count_by_topic(const std::vector<kwire::test::Copied>& got) {
  std::map<std::string, int> out;
  for (const auto& r : got) ++out[r.topic];
  return out;
}

}  // namespace

TEST_CASE("Topic pattern: whole names only, internal and failed topics left out", "[consumer]") {
  const std::regex pattern("orders-.*");
  const std::vector<TopicPatternWatcher::Listed> listed{
      {"orders-eu", false, false},    {"orders-us", false, false},  {"old-orders-eu", false, false},
      {"orders", false, false},       {"orders-bad", false, true},  {"orders-eu", false, false},
      {"__consumer_offsets", true, false}};
  CHECK(TopicPatternWatcher::matching(pattern, listed) == std::vector<std::string>{"orders-eu", "orders-us"});
  CHECK(TopicPatternWatcher::matching(std::regex("__.*"), listed).empty());
  CHECK(TopicPatternWatcher::matching(std::regex(".*"), listed) ==
        std::vector<std::string>{"old-orders-eu", "orders", "orders-eu", "orders-us"});
}

TEST_CASE("Consumer subscribe(pattern) reads matching topics and takes in one created later", "[consumer][mock]") {
  kwire::test::MockCluster cluster(1);
  cluster.create_topic("pat-a", 2);
  cluster.create_topic("pat-b", 1);
  cluster.create_topic("other", 1);
  cluster.create_topic("not-pat-a", 1);  // contains a match, is not one
  for (auto [topic, partitions] : std::map<std::string, int>{{"pat-a", 2}, {"pat-b", 1}, {"other", 1}, {"not-pat-a", 1}})
    write(cluster, topic, partitions);

  kwire::Consumer consumer(kwire::test::base(
      cluster.bootstrap(), {{"group.id", "g-pattern"}, {"metadata.max.age.ms", "500"}, {"session.timeout.ms", "4000"},
                            {"heartbeat.interval.ms", "300"}}));
  REQUIRE(!consumer.subscribe(std::regex("pat-.*")));
  auto got = kwire::test::read(consumer, 30, 30s);
  CHECK(count_by_topic(got) == std::map<std::string, int>{{"pat-a", 20}, {"pat-b", 10}});
  // What the pattern matches now (the membership joined with these).
  CHECK(consumer.subscription() == std::vector<std::string>{"pat-a", "pat-b"});

  cluster.create_topic("pat-c", 2);
  write(cluster, "pat-c", 2);
  auto later = kwire::test::read(consumer, 20, 30s);
  CHECK(count_by_topic(later) == std::map<std::string, int>{{"pat-c", 20}});
  std::set<std::string> values;
  for (const auto& r : later) values.insert(r.value.value_or(""));
  CHECK(values.size() == 20);  // each once
  CHECK(values.count("pat-c/1/9") == 1);
  const auto assigned = consumer.assignment();
  CHECK(std::set<kwire::TopicPartition>(assigned.begin(), assigned.end()) ==
        std::set<kwire::TopicPartition>{{"pat-a", 0}, {"pat-a", 1}, {"pat-b", 0}, {"pat-c", 0}, {"pat-c", 1}});
  CHECK(consumer.poll(500ms).empty());  // nothing else: "other" and "not-pat-a" never come
  CHECK(consumer.subscription() == std::vector<std::string>{"pat-a", "pat-b", "pat-c"});
  consumer.unsubscribe();
  CHECK(consumer.subscription().empty());
  consumer.close();
}

TEST_CASE("Consumer subscribe(pattern) under cooperative-sticky keeps its partitions when a topic starts matching",
          "[consumer][mock][cooperative]") {
  kwire::test::MockCluster cluster(1);
  cluster.create_topic("coop-a", 2);
  write(cluster, "coop-a", 2);

  std::vector<kwire::TopicPartition> revoked, lost;
  kwire::RebalanceListener listener;
  listener.on_revoked = [&](const std::vector<kwire::TopicPartition>& tps) {
    revoked.insert(revoked.end(), tps.begin(), tps.end());
  };
  listener.on_lost = [&](const std::vector<kwire::TopicPartition>& tps) {
    lost.insert(lost.end(), tps.begin(), tps.end());
  };
  kwire::Consumer consumer(kwire::test::base(
      cluster.bootstrap(), {{"group.id", "g-pattern-coop"}, {"metadata.max.age.ms", "500"},
                            {"partition.assignment.strategy", "cooperative-sticky"}, {"session.timeout.ms", "4000"},
                            {"heartbeat.interval.ms", "300"}}));
  REQUIRE(!consumer.subscribe(std::regex("coop-.*"), listener));
  CHECK(count_by_topic(kwire::test::read(consumer, 20, 30s)) == std::map<std::string, int>{{"coop-a", 20}});

  // The rebalance the new topic starts revokes nothing: coop-a is still
  // subscribed (the pattern still matches it), so it is read on.
  cluster.create_topic("coop-b", 1);
  write(cluster, "coop-b", 1);
  CHECK(count_by_topic(kwire::test::read(consumer, 10, 30s)) == std::map<std::string, int>{{"coop-b", 10}});
  CHECK(revoked.empty());
  CHECK(lost.empty());
  CHECK(consumer.subscription() == std::vector<std::string>{"coop-a", "coop-b"});
  const auto assigned = consumer.assignment();
  CHECK(std::set<kwire::TopicPartition>(assigned.begin(), assigned.end()) ==
        std::set<kwire::TopicPartition>{{"coop-a", 0}, {"coop-a", 1}, {"coop-b", 0}});
  consumer.close();
}
