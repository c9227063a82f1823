// kwire::Consumer against librdkafka's mock cluster, reading what
// librdkafka's producer wrote: every codec, null and empty keys and values,
// headers, timestamps, read exactly (offsets contiguous, every field equal);
// positions, seeks, auto.offset.reset, several partitions on several
// brokers with leader moves and a broker down during the read.
#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "kwire/consumer.hpp"
#include "kwire/protocol/errors.hpp"
#include "mock_cluster.hpp"
#include "consumer_reading.hpp"
#include "rdkafka_producer.hpp"
#include "txn_broker.hpp"

using namespace std::chrono_literals;
using kwire::test::PeerRecord;
using kwire::test::Copied;
using kwire::test::base;
using kwire::test::copy;
using kwire::test::read;

namespace {

void check_equal(const std::vector<Copied>& got, const std::vector<PeerRecord>& sent, const std::string& topic,
                 std::int32_t partition, std::int64_t first_offset = 0) {
  REQUIRE(got.size() == sent.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("record " << i);
    CHECK(got[i].topic == topic);
    CHECK(got[i].partition == partition);
    CHECK(got[i].offset == first_offset + static_cast<std::int64_t>(i));
    CHECK(got[i].key == sent[i].key);
    CHECK(got[i].value == sent[i].value);
    CHECK(got[i].headers == sent[i].headers);
    CHECK(got[i].timestamp_ms == sent[i].timestamp_ms);
    CHECK(got[i].type == kwire::TimestampType::create_time);
  }
}

}  // namespace

TEST_CASE("Consumer reads exactly what librdkafka wrote, in every codec", "[consumer][mock]") {
  kwire::test::MockCluster cluster(1);
  const auto codec = GENERATE(as<std::string>{}, "none", "gzip", "snappy", "lz4", "zstd");
  const std::string topic = "codec-" + codec;
  cluster.create_topic(topic, 1);
  auto sent = kwire::test::varied_records(700);
  {
    kwire::test::RdkafkaProducer producer(cluster.bootstrap(), {{"compression.codec", codec}, {"batch.num.messages", "97"}});
    producer.write(topic, 0, sent);
  }
  // max.poll.records cuts inside batches: the rest of a (compressed) batch
  // comes in the next poll, none twice.
  const std::string max_poll = GENERATE(as<std::string>{}, "1000", "33");
  kwire::Consumer consumer(base(cluster.bootstrap(), {{"max.poll.records", max_poll}, {"fetch.max.bytes", "60000"}}));
  consumer.assign({{topic, 0}});
  auto got = read(consumer, sent.size());
  check_equal(got, sent, topic, 0);
  std::int64_t position = -1;
  REQUIRE(!consumer.position({topic, 0}, position));
  CHECK(position == 700);
  CHECK(consumer.poll(100ms).empty());
}

TEST_CASE("Consumer position, seek, seek_to_beginning and seek_to_end", "[consumer][mock]") {
  kwire::test::MockCluster cluster(1);
  cluster.create_topic("seeks", 1);
  auto sent = kwire::test::varied_records(200);
  kwire::test::RdkafkaProducer producer(cluster.bootstrap(), {{"compression.codec", "lz4"}});
  producer.write("seeks", 0, sent);

  kwire::Consumer consumer(base(cluster.bootstrap(), {{"auto.offset.reset", "latest"}}));
  const kwire::TopicPartition tp{"seeks", 0};
  std::int64_t position = -1;
  CHECK(consumer.position(tp, position) == kwire::consumer_errc::partition_not_assigned);
  CHECK(consumer.seek(tp, 3) == kwire::consumer_errc::partition_not_assigned);
  consumer.assign({tp});
  REQUIRE(!consumer.position(tp, position));
  CHECK(position == 200);  // latest
  CHECK(consumer.poll(200ms).empty());

  REQUIRE(!consumer.seek(tp, 150));
  REQUIRE(!consumer.position(tp, position));
  CHECK(position == 150);
  auto got = read(consumer, 50);
  check_equal(got, std::vector<PeerRecord>(sent.begin() + 150, sent.end()), "seeks", 0, 150);

  REQUIRE(!consumer.seek_to_beginning(std::span(&tp, 1)));
  REQUIRE(!consumer.position(tp, position));
  CHECK(position == 0);
  // A seek in the middle of a compressed batch starts at the record asked for.
  REQUIRE(!consumer.seek(tp, 7));
  got = read(consumer, 193);
  check_equal(got, std::vector<PeerRecord>(sent.begin() + 7, sent.end()), "seeks", 0, 7);

  REQUIRE(!consumer.seek_to_end(std::span(&tp, 1)));
  REQUIRE(!consumer.position(tp, position));
  CHECK(position == 200);
  auto more = kwire::test::varied_records(30, 1'800'000'000'000);
  producer.write("seeks", 0, more);
  got = read(consumer, 30);
  check_equal(got, more, "seeks", 0, 200);
  CHECK(consumer.seek(tp, -1) == kwire::consumer_errc::invalid_offset);
}

TEST_CASE("Consumer handles OFFSET_OUT_OF_RANGE per auto.offset.reset", "[consumer][mock]") {
  kwire::test::MockCluster cluster(1);
  cluster.create_topic("range", 1);
  auto sent = kwire::test::varied_records(40);
  kwire::test::RdkafkaProducer(cluster.bootstrap()).write("range", 0, sent);
  const kwire::TopicPartition tp{"range", 0};

  SECTION("earliest: a seek past the end starts over at the beginning") {
    kwire::Consumer consumer(base(cluster.bootstrap()));
    consumer.assign({tp});
    REQUIRE(!consumer.seek(tp, 1000));
    check_equal(read(consumer, 40), sent, "range", 0);
  }
  SECTION("latest: a seek past the end goes to the end") {
    kwire::Consumer consumer(base(cluster.bootstrap(), {{"auto.offset.reset", "latest"}}));
    consumer.assign({tp});
    REQUIRE(!consumer.seek(tp, 1000));
    // As in Java, the position is the seek's until a fetch finds it out of range.
    std::int64_t position = -1;
    REQUIRE(!consumer.position(tp, position));
    CHECK(position == 1000);
    for (int i = 0; i < 100 && position != 40; ++i) {
      CHECK(consumer.poll(100ms).empty());
      REQUIRE(!consumer.position(tp, position));
    }
    CHECK(position == 40);
  }
  SECTION("none: poll reports OFFSET_OUT_OF_RANGE for the partition until a seek") {
    kwire::Consumer consumer(base(cluster.bootstrap(), {{"auto.offset.reset", "none"}}));
    consumer.assign({tp});
    const kwire::ConsumerRecords& first = consumer.poll(5s);
    CHECK(first.error() == kwire::protocol::kafka_errc::offset_out_of_range);  // no position at all
    REQUIRE(!consumer.seek(tp, 1000));
    const kwire::ConsumerRecords& records = consumer.poll(5s);
    CHECK(records.empty());
    CHECK(records.error() == kwire::protocol::kafka_errc::offset_out_of_range);
    REQUIRE(records.error_partition());
    CHECK(*records.error_partition() == tp);
    CHECK(consumer.poll(300ms).empty());  // stopped, nothing more
    REQUIRE(!consumer.seek(tp, 10));
    check_equal(read(consumer, 30), std::vector<PeerRecord>(sent.begin() + 10, sent.end()), "range", 0, 10);
  }
}

TEST_CASE("Consumer reads partitions on several brokers through leader moves and a broker outage",
          "[consumer][mock]") {
  kwire::test::MockCluster cluster(3);
  cluster.create_topic("spread", 4, 3);
  std::map<std::int32_t, std::vector<PeerRecord>> sent;
  kwire::test::RdkafkaProducer producer(cluster.bootstrap(), {{"compression.codec", "snappy"}});
  for (std::int32_t p = 0; p < 4; ++p) {
    sent[p] = kwire::test::varied_records(300, 1'600'000'000'000 + p * 1000);
    producer.write("spread", p, sent[p]);
  }
  kwire::Consumer consumer(
      base(cluster.bootstrap(), {{"max.poll.records", "50"}, {"max.partition.fetch.bytes", "4000"}, {"retry.backoff.ms", "20"}}));
  consumer.assign({{"spread", 0}, {"spread", 1}, {"spread", 2}, {"spread", 3}});
  std::map<std::int32_t, std::vector<Copied>> got;
  std::size_t total = 0;
  int polls = 0;
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (total < 1200 && std::chrono::steady_clock::now() < deadline) {
    const auto& records = consumer.poll(200ms);
    INFO(records.error_detail());
    REQUIRE(!records.error());
    for (const auto& r : records) got[r.partition].push_back(copy(r));
    total += records.size();
    ++polls;
    if (polls == 3) cluster.set_leader("spread", 1, 3);
    if (polls == 5) cluster.set_leader("spread", 2, 1);
    if (polls == 7) cluster.broker_down(2);
    if (polls == 12) cluster.broker_up(2);
  }
  for (std::int32_t p = 0; p < 4; ++p) {
    INFO("partition " << p);
    check_equal(got[p], sent[p], "spread", p);
  }
}

TEST_CASE("ConsumerConfig: Java names, librdkafka aliases, unknown keys refused", "[consumer][config]") {
  auto c = kwire::ConsumerConfig::from_properties({{"metadata.broker.list", "h:1"},
                                                   {"fetch.wait.max.ms", "77"},
                                                   {"fetch.message.max.bytes", "1234"},
                                                   {"auto.offset.reset", "smallest"},
                                                   {"isolation.level", "read_committed"},
                                                   {"queued.max.messages.kbytes", "2"},
                                                   {"partition.assignment.strategy", "roundrobin, range"},
                                                   {"check.crcs", "false"}});
  CHECK(c.bootstrap_servers == std::vector<std::string>{"h:1"});
  CHECK(c.fetch_max_wait == 77ms);
  CHECK(c.max_partition_fetch_bytes == 1234);
  CHECK(c.auto_offset_reset == kwire::OffsetReset::earliest);
  CHECK(c.isolation_level == kwire::IsolationLevel::read_committed);
  CHECK(c.fetch_buffer_bytes == 2048);
  CHECK(c.partition_assignment_strategy == std::vector<std::string>{"roundrobin", "range"});
  CHECK_FALSE(c.check_crcs);

  kwire::ConsumerConfig out;
  std::string why;
  CHECK(kwire::ConsumerConfig::parse({{"bootstrap.servers", "h:1"}, {"linger.ms", "5"}}, out, why) ==
        kwire::errc::unknown_config_key);
  CHECK(why.find("linger.ms") != std::string::npos);
  CHECK(kwire::ConsumerConfig::parse({{"bootstrap.servers", "h:1"}, {"auto.offset.reset", "sometimes"}}, out, why) ==
        kwire::errc::invalid_config_value);
  CHECK(kwire::ConsumerConfig::parse({{"bootstrap.servers", "h:1"}, {"group.instance.id", "i"}}, out, why) ==
        kwire::errc::conflicting_config);
  CHECK(kwire::ConsumerConfig::parse({{"bootstrap.servers", "host:port"}}, out, why) == kwire::errc::invalid_config_value);
  CHECK_THROWS_AS(kwire::Consumer(kwire::Properties{{"bootstrap.servers", "h:1"}, {"bogus", "1"}}), kwire::ConfigError);
}

// librdkafka's mock answers no timestamp lookup (offset -1 for every time);
// the TxnBroker answers with the first batch whose max timestamp reaches the
// time, so each record goes in a batch of its own here.
TEST_CASE("Consumer offsets_for_times finds the first record at or after a time", "[consumer]") {
  kwire::test::TxnBroker broker;
  broker.create_topic("times", 2);
  const std::int64_t base_ms = 1'700'000'000'000;
  {
    kwire::test::RdkafkaProducer producer(broker.bootstrap(), {{"batch.num.messages", "1"}, {"linger.ms", "0"}});
    producer.write("times", 0, kwire::test::varied_records(100, base_ms));
    producer.write("times", 1, kwire::test::varied_records(10, base_ms));
  }
  kwire::Consumer consumer(base(broker.bootstrap()));
  std::map<kwire::TopicPartition, kwire::OffsetAndTimestamp> found;
  REQUIRE(!consumer.offsets_for_times({{{"times", 0}, base_ms + 50}, {{"times", 1}, base_ms + 10}}, found, 10s));
  REQUIRE(found.count({"times", 0}) == 1);
  CHECK(found[{"times", 0}].offset == 50);
  CHECK(found[{"times", 0}].timestamp_ms == base_ms + 50);
  CHECK(found.count({"times", 1}) == 0);  // every record of p1 is older

  REQUIRE(!consumer.offsets_for_times({{{"times", 0}, 0}}, found, 10s));
  CHECK(found[{"times", 0}].offset == 0);
  CHECK(consumer.offsets_for_times({{{"times", 0}, -5}}, found, 10s) == kwire::consumer_errc::invalid_offset);
}
