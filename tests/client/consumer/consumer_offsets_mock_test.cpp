// kwire::Consumer's group offsets against librdkafka's mock cluster, with
// librdkafka's consumer as the peer that reads and writes the same group's
// offsets: what kwire commits is what rd_kafka_committed returns and the
// reverse, a consumer of the group starts at the committed offset (or per
// auto.offset.reset where there is none), auto-commit, commit_async's
// callback, commits without group.id refused; pause() and resume().
#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "consumer_reading.hpp"
#include "kwire/consumer.hpp"
#include "kwire/producer.hpp"
#include "mock_cluster.hpp"
#include "rdkafka_group_peer.hpp"
#include "rdkafka_producer.hpp"
#include "txn_broker.hpp"

using namespace std::chrono_literals;
using kwire::test::Copied;
using kwire::test::RdkafkaGroupPeer;

namespace {

// Two partitions: 120 records in p0, 80 in p1.
void fill_two_partitions(kwire::test::MockCluster& cluster, const std::string& topic) {
  cluster.create_topic(topic, 2);
  kwire::test::RdkafkaProducer producer(cluster.bootstrap(), {{"compression.codec", "lz4"}});
  producer.write(topic, 0, kwire::test::varied_records(120));
  producer.write(topic, 1, kwire::test::varied_records(80));
}

// Offsets of `got` in `partition` are exactly first, first+1, ..., end-1.
void check_contiguous(const std::vector<Copied>& got, std::int32_t partition, std::int64_t first, std::int64_t end) {
  std::int64_t next = first;
  for (const Copied& r : got)
    if (r.partition == partition) {
      INFO("partition " << partition);
      REQUIRE(r.offset == next);
      ++next;
    }
  CHECK(next == end);
}

std::int64_t position_of(kwire::Consumer& consumer, const kwire::TopicPartition& tp) {
  std::int64_t offset = -1;
  REQUIRE(!consumer.position(tp, offset, 10s));
  return offset;
}

// A consumer of group g3 that has read all 120 records of p0.
std::unique_ptr<kwire::Consumer> after_reading_p0(const std::string& bootstrap, const std::string& topic,
                                                  std::map<std::string, std::string> extra) {
  extra["group.id"] = "g3";
  auto consumer = std::make_unique<kwire::Consumer>(kwire::test::base(bootstrap, std::move(extra)));
  consumer->assign({{topic, 0}});
  REQUIRE(kwire::test::read(*consumer, 120).size() == 120);
  return consumer;
}

}  // namespace

TEST_CASE("Consumer commits what librdkafka reads back, and the group restarts there", "[consumer][offsets][mock]") {
  kwire::test::MockCluster cluster(1);
  const std::string topic = "offsets";
  fill_two_partitions(cluster, topic);
  const kwire::TopicPartition p0{topic, 0}, p1{topic, 1};
  const std::vector<kwire::TopicPartition> both{p0, p1};
  RdkafkaGroupPeer peer(cluster.bootstrap(), "g1");
  std::int64_t p1_position = -1;
  {
    kwire::Consumer consumer(kwire::test::base(
        cluster.bootstrap(), {{"group.id", "g1"}, {"enable.auto.commit", "false"}, {"max.poll.records", "30"}}));
    consumer.assign(both);
    auto got = kwire::test::read(consumer, 90);
    REQUIRE(got.size() >= 90);
    const std::int64_t p0_position = position_of(consumer, p0);
    p1_position = position_of(consumer, p1);
    CHECK(p0_position + p1_position == static_cast<std::int64_t>(got.size()));

    REQUIRE(!consumer.commit());
    kwire::CommitOffsets committed;
    REQUIRE(!consumer.committed(both, committed, 10s));
    CHECK(committed[p0].offset == p0_position);
    CHECK(committed[p1].offset == p1_position);
    CHECK(peer.committed(topic, 0).offset == p0_position);
    CHECK(peer.committed(topic, 1).offset == p1_position);

    // Explicit offsets with metadata, as librdkafka sees them.
    REQUIRE(!consumer.commit({{p0, {25, "meta-25", -1}}}));
    REQUIRE(!consumer.committed(both, committed, 10s));
    CHECK(committed[p0].offset == 25);
    CHECK(committed[p0].metadata == "meta-25");
    auto seen = peer.committed(topic, 0);
    CHECK(seen.offset == 25);
    CHECK(seen.metadata == "meta-25");
  }
  // auto.offset.reset=earliest would start at 0: the group's offsets win.
  kwire::Consumer next(kwire::test::base(cluster.bootstrap(), {{"group.id", "g1"}, {"enable.auto.commit", "false"}}));
  next.assign(both);
  auto rest = kwire::test::read(next, static_cast<std::size_t>(120 - 25 + 80 - p1_position));
  check_contiguous(rest, 0, 25, 120);
  check_contiguous(rest, 1, p1_position, 80);
}

TEST_CASE("Consumer reads offsets librdkafka committed and starts from them", "[consumer][offsets][mock]") {
  kwire::test::MockCluster cluster(1);
  const std::string topic = "peer-commits";
  fill_two_partitions(cluster, topic);
  const kwire::TopicPartition p0{topic, 0}, p1{topic, 1};
  RdkafkaGroupPeer peer(cluster.bootstrap(), "g2");
  peer.commit(topic, 0, 17, "from-rdkafka");

  // Nothing committed for p1: auto.offset.reset=latest puts it at the end.
  kwire::Consumer consumer(kwire::test::base(
      cluster.bootstrap(), {{"group.id", "g2"}, {"enable.auto.commit", "false"}, {"auto.offset.reset", "latest"}}));
  const std::vector<kwire::TopicPartition> both{p0, p1};
  kwire::CommitOffsets committed;
  REQUIRE(!consumer.committed(both, committed, 10s));
  REQUIRE(committed.count(p0) == 1);
  CHECK(committed[p0].offset == 17);
  CHECK(committed[p0].metadata == "from-rdkafka");
  CHECK(committed.count(p1) == 0);

  consumer.assign(both);
  CHECK(position_of(consumer, p0) == 17);
  CHECK(position_of(consumer, p1) == 80);
  auto got = kwire::test::read(consumer, 120 - 17);
  check_contiguous(got, 0, 17, 120);
  check_contiguous(got, 1, 80, 80);
}

TEST_CASE("Consumer auto-commits on its interval and on close; commit_async's callback runs in poll",
          "[consumer][offsets][mock]") {
  kwire::test::MockCluster cluster(1);
  const std::string topic = "auto-commit";
  fill_two_partitions(cluster, topic);
  const kwire::TopicPartition p0{topic, 0};
  RdkafkaGroupPeer peer(cluster.bootstrap(), "g3");

  SECTION("close commits the positions") {
    auto consumer = after_reading_p0(cluster.bootstrap(), topic, {{"auto.commit.interval.ms", "3600000"}});
    CHECK(peer.committed(topic, 0).offset == -1);  // the interval has not passed
    consumer->close();
    CHECK(peer.committed(topic, 0).offset == 120);
  }
  SECTION("poll commits every auto.commit.interval.ms") {
    auto consumer = after_reading_p0(cluster.bootstrap(), topic, {{"auto.commit.interval.ms", "50"}});
    // Waits for the event: the next polls commit the position.
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (peer.committed(topic, 0).offset != 120 && std::chrono::steady_clock::now() < deadline)
      CHECK(consumer->poll(50ms).empty());
    CHECK(peer.committed(topic, 0).offset == 120);
  }
  SECTION("commit_async") {
    auto consumer = after_reading_p0(cluster.bootstrap(), topic, {{"enable.auto.commit", "false"}});
    int calls = 0;
    std::error_code result = make_error_code(kwire::consumer_errc::consumer_timeout);
    kwire::CommitOffsets reported;
    consumer->commit_async([&](std::error_code ec, const kwire::CommitOffsets& offsets) {
      ++calls;
      result = ec;
      reported = offsets;
    });
    CHECK(calls == 0);  // only inside poll()
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (calls == 0 && std::chrono::steady_clock::now() < deadline) consumer->poll(50ms);
    CHECK(calls == 1);
    CHECK(!result);
    REQUIRE(reported.count(p0) == 1);
    CHECK(reported[p0].offset == 120);
    CHECK(peer.committed(topic, 0).offset == 120);
  }
}

TEST_CASE("Consumer without group.id refuses commits", "[consumer][offsets][mock]") {
  kwire::test::MockCluster cluster(1);
  cluster.create_topic("no-group", 1);
  kwire::Consumer consumer(kwire::test::base(cluster.bootstrap()));
  consumer.assign({{"no-group", 0}});
  CHECK(consumer.commit() == kwire::consumer_errc::no_group_id);
  CHECK(consumer.commit({{{"no-group", 0}, {5, "", -1}}}) == kwire::consumer_errc::no_group_id);
  kwire::CommitOffsets out;
  const std::vector<kwire::TopicPartition> one{{"no-group", 0}};
  CHECK(consumer.committed(one, out, 1s) == kwire::consumer_errc::no_group_id);
  std::error_code async_result;
  consumer.commit_async({{{"no-group", 0}, {5, "", -1}}},
                        [&](std::error_code ec, const kwire::CommitOffsets&) { async_result = ec; });
  consumer.poll(10ms);
  CHECK(async_result == kwire::consumer_errc::no_group_id);
}

TEST_CASE("Consumer pause and resume", "[consumer][mock]") {
  kwire::test::MockCluster cluster(1);
  const std::string topic = "pausing";
  fill_two_partitions(cluster, topic);
  const kwire::TopicPartition p0{topic, 0}, p1{topic, 1};
  kwire::Consumer consumer(kwire::test::base(cluster.bootstrap(), {{"max.poll.records", "25"}}));
  consumer.assign({p0, p1});
  const std::vector<kwire::TopicPartition> first{p0};
  REQUIRE(!consumer.pause(first));
  CHECK(consumer.paused() == first);

  // Only p1 comes while p0 is paused, all of it.
  auto got = kwire::test::read(consumer, 80);
  check_contiguous(got, 1, 0, 80);
  CHECK(consumer.poll(300ms).empty());

  // Resumed: p0 from its start; paused again midway, the position holds.
  REQUIRE(!consumer.resume(first));
  CHECK(consumer.paused().empty());
  got = kwire::test::read(consumer, 40);
  REQUIRE(!consumer.pause(first));
  const std::int64_t held = position_of(consumer, p0);
  CHECK(held == static_cast<std::int64_t>(got.size()));
  CHECK(consumer.poll(300ms).empty());
  CHECK(position_of(consumer, p0) == held);
  REQUIRE(!consumer.resume(first));
  auto rest = kwire::test::read(consumer, static_cast<std::size_t>(120 - held));
  got.insert(got.end(), rest.begin(), rest.end());
  check_contiguous(got, 0, 0, 120);

  const std::vector<kwire::TopicPartition> stranger{{"pausing", 7}};
  CHECK(consumer.pause(stranger) == kwire::consumer_errc::partition_not_assigned);
}

// The TxnBroker: librdkafka's mock accepts TxnOffsetCommit but never makes
// the offsets the group's, and speaks only TxnOffsetCommit v0-2, which cannot
// carry a group.instance.id.
TEST_CASE("Consumer group_metadata feeds send_offsets_to_transaction; the committed transaction's offsets are the group's",
          "[consumer][offsets]") {
  kwire::test::TxnBroker broker;
  const std::string topic = "txn-offsets";
  broker.create_topic(topic, 2);
  kwire::Consumer consumer(kwire::test::base(
      broker.bootstrap(), {{"group.id", "g-txn"}, {"group.instance.id", "i-1"}, {"enable.auto.commit", "false"}}));
  const kwire::ConsumerGroupMetadata group = consumer.group_metadata();
  CHECK(group.group_id == "g-txn");
  CHECK(group.group_instance_id == std::optional<std::string>("i-1"));
  CHECK(group.generation_id == -1);
  CHECK(group.member_id.empty());

  kwire::Producer producer(kwire::Properties{{"bootstrap.servers", broker.bootstrap()}, {"transactional.id", "t-consumer"}});
  REQUIRE(!producer.init_transactions(10s));
  REQUIRE(!producer.begin_transaction());
  const std::error_code sent = producer.send_offsets_to_transaction({{topic, 0, 42, std::string("in-txn"), -1}}, group, 10s);
  INFO(sent.message());
  REQUIRE(!sent);
  REQUIRE(!producer.commit_transaction(10s));

  const std::vector<kwire::TopicPartition> both{{topic, 0}, {topic, 1}};
  kwire::CommitOffsets committed;
  REQUIRE(!consumer.committed(both, committed, 10s));
  CHECK(committed[{topic, 0}].offset == 42);
  CHECK(committed[{topic, 0}].metadata == "in-txn");
  CHECK(committed.count({topic, 1}) == 0);
}

TEST_CASE("A read_committed group consumer starts at the committed offset on a broker older than OffsetFetch v7",
          "[consumer][offsets][mock]") {
  // RequireStable exists from OffsetFetch v7 on; the mock stops below it.
  // Java and librdkafka then ask without it rather than fail.
  kwire::test::MockCluster cluster(1);
  const std::string topic = "stable";
  fill_two_partitions(cluster, topic);
  RdkafkaGroupPeer peer(cluster.bootstrap(), "g-stable");
  peer.commit(topic, 0, 50, "");
  kwire::Consumer consumer(kwire::test::base(
      cluster.bootstrap(), {{"group.id", "g-stable"}, {"isolation.level", "read_committed"}}));
  consumer.assign({{topic, 0}});
  auto got = kwire::test::read(consumer, 70);
  REQUIRE(got.size() == 70);
  check_contiguous(got, 0, 50, 120);
}
