// The whole producer (public API, accumulator, sender, connection pool,
// metadata) against librdkafka's mock cluster, read back with librdkafka's
// consumer (tests/support/log_reader): every acknowledged record is in the
// log exactly once, in send order per partition, at the offset its
// RecordMetadata gave, with key, value, headers and timestamp intact; and the
// same under the mock's error injection, broker down/up and leader moves.
//
// The mock checks no sequence numbers for a plain idempotent producer and
// writes nothing for a pushed Produce error, so a request that fails while
// later ones are in flight would let them overtake it in the mock's log; the
// fault runs therefore keep one request in flight per connection. Several in
// flight under faults are covered against a broker with Kafka's sequence
// checks in fault_sender_test.cpp.
#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "delivery_recorder.hpp"
#include "kafka_codes.hpp"
#include "kwire/producer.hpp"
#include "log_reader.hpp"
#include "mock_cluster.hpp"

using namespace std::chrono_literals;

namespace codes = kwire::test::codes;

namespace {

constexpr std::int16_t kProduce = 0;

struct Sent {
  std::int32_t partition;
  std::string key, value, header_value;
  std::int64_t timestamp;
};

class Run {
 public:
  explicit Run(const std::string& topic) : topic_(topic) {}

  std::error_code send(kwire::Producer& producer, std::uint64_t id, std::int32_t partition) {
    Sent s{partition, "key-" + std::to_string(id), "value-" + std::to_string(id) + std::string(id % 97, 'x'),
           "h-" + std::to_string(id), 1'600'000'000'000 + static_cast<std::int64_t>(id)};
    kwire::Header headers[2] = {{"id", kwire::as_bytes(s.header_value)}, {"null", std::nullopt}};
    kwire::Record r;
    r.topic = topic_;
    r.partition = partition;
    r.key = kwire::as_bytes(s.key);
    r.value = kwire::as_bytes(s.value);
    r.headers = headers;
    r.timestamp_ms = s.timestamp;
    r.user_id = id;
    {
      std::lock_guard lock(mu_);
      sent_[id] = s;
    }
    outcomes_.expect(id);
    return producer.send(r, outcomes_.handler());
  }

  // Reads every partition back and checks it against the reports.
  std::size_t check(const std::string& bootstrap, int partitions, bool allow_failures = false) {
    std::lock_guard lock(mu_);
    const auto outcomes = outcomes_.snapshot();
    std::size_t acknowledged = 0;
    for (int p = 0; p < partitions; ++p) {
      auto read = kwire::test::read_partition(bootstrap, topic_, p);
      REQUIRE(read.error.empty());
      std::map<std::int64_t, const kwire::test::LoggedRecord*> by_offset;
      std::map<std::string, int> copies;
      std::uint64_t previous = 0;
      bool first = true;
      for (const auto& rec : read.records) {
        by_offset[rec.offset] = &rec;
        REQUIRE(rec.key.has_value());
        ++copies[*rec.key];
        const std::uint64_t id = std::stoull(rec.key->substr(4));
        INFO("partition " << p << " offset " << rec.offset << " id " << id);
        if (!first) CHECK(id > previous);  // send order, nothing duplicated
        previous = id;
        first = false;
      }
      for (const auto& [id, s] : sent_) {
        if (s.partition != p) continue;
        INFO("record " << id);
        const kwire::test::RecordedReport& o = outcomes.at(id);
        CHECK(o.fired == 1);
        if (o.error) {
          CHECK(allow_failures);
          continue;
        }
        ++acknowledged;
        CHECK(copies[s.key] == 1);
        CHECK(o.metadata.topic == topic_);
        CHECK(o.metadata.partition == p);
        auto it = by_offset.find(o.metadata.offset);
        REQUIRE(it != by_offset.end());
        const auto& rec = *it->second;
        CHECK(rec.key == s.key);
        CHECK(rec.value == s.value);
        CHECK(rec.timestamp_ms == s.timestamp);
        // librdkafka 2.0.2's mock answers every Produce with a made-up
        // LogAppendTime (1234), so the report carries that; the log itself
        // must still hold our CreateTime.
        if (o.metadata.timestamp_type == kwire::TimestampType::create_time) CHECK(o.metadata.timestamp_ms == s.timestamp);
        REQUIRE(rec.headers.size() == 2);
        CHECK(rec.headers[0].first == "id");
        CHECK(rec.headers[0].second == s.header_value);
        CHECK(rec.headers[1].first == "null");
        CHECK_FALSE(rec.headers[1].second.has_value());
      }
    }
    return acknowledged;
  }

  std::size_t sent() {
    std::lock_guard lock(mu_);
    return sent_.size();
  }

 private:
  std::string topic_;
  std::mutex mu_;
  std::map<std::uint64_t, Sent> sent_;
  kwire::test::DeliveryRecorder outcomes_;
};

kwire::ProducerConfig config_for(const kwire::test::MockCluster& cluster) {
  kwire::ProducerConfig c;
  c.bootstrap_servers = {cluster.bootstrap()};
  c.linger = 2ms;
  c.batch_size = 4096;
  c.retry_backoff = 5ms;
  c.retry_backoff_max = 50ms;
  c.request_timeout = 2s;
  c.delivery_timeout = 30s;
  return c;
}

}  // namespace

TEST_CASE("e2e: acknowledged records are in the mock's log once, in order, intact", "[e2e]") {
  kwire::test::MockCluster cluster(3, {{"e2e", 4, 1}});
  Run run("e2e");
  // Five requests in flight and no faults: a retry here could only come from a
  // request timing out on a loaded machine, and the mock (no sequence checks
  // without a transactional id) would then store batches out of order. A
  // broker that checks sequences refuses that (fault_sender_test); this run
  // is about the happy path, so it gives requests ample time.
  auto config = config_for(cluster);
  config.request_timeout = 30s;
  config.delivery_timeout = 60s;
  {
    kwire::Producer producer(config);
    for (std::uint64_t id = 0; id < 4000; ++id) REQUIRE_FALSE(run.send(producer, id, static_cast<std::int32_t>(id % 4)));
    CHECK_FALSE(producer.flush(30s));
    const auto start = std::chrono::steady_clock::now();
    producer.close(10s);
    CHECK(std::chrono::steady_clock::now() - start < 11s);
  }
  CHECK(run.check(cluster.bootstrap(), 4) == 4000);
}

TEST_CASE("e2e faults: injected Produce errors are retried", "[e2e][fault]") {
  kwire::test::MockCluster cluster(3, {{"faults", 3, 1}});
  Run run("faults");
  auto config = config_for(cluster);
  config.max_in_flight_requests_per_connection = 1;
  {
    kwire::Producer producer(config);
    std::uint64_t id = 0;
    for (int wave = 0; wave < 6; ++wave) {
      cluster.push_request_errors(kProduce, {codes::kNotLeaderOrFollower, codes::kRequestTimedOut, codes::kNotEnoughReplicas,
                                             codes::kOutOfOrderSequence, codes::kNotEnoughReplicas});
      for (int i = 0; i < 300; ++i, ++id) REQUIRE_FALSE(run.send(producer, id, static_cast<std::int32_t>(id % 3)));
      CHECK_FALSE(producer.flush(30s));
    }
    const auto start = std::chrono::steady_clock::now();
    producer.close(10s);
    CHECK(std::chrono::steady_clock::now() - start < 11s);
  }
  CHECK(run.check(cluster.bootstrap(), 3) == run.sent());
}

TEST_CASE("e2e faults: a broker down and up again, and a leader moved", "[e2e][fault]") {
  kwire::test::MockCluster cluster(3, {{"moves", 3, 1}});
  Run run("moves");
  auto config = config_for(cluster);
  config.max_in_flight_requests_per_connection = 1;
  {
    kwire::Producer producer(config);
    std::uint64_t id = 0;
    auto wave = [&] {
      for (int i = 0; i < 300; ++i, ++id) REQUIRE_FALSE(run.send(producer, id, static_cast<std::int32_t>(id % 3)));
    };
    wave();
    CHECK_FALSE(producer.flush(30s));
    cluster.broker_down(1);
    wave();  // partitions led by broker 1 wait for it
    std::this_thread::sleep_for(300ms);  // let requests to broker 1 fail a few times
    cluster.broker_up(1);
    CHECK_FALSE(producer.flush(30s));
    cluster.set_leader("moves", 0, 2);
    cluster.set_leader("moves", 1, 3);
    cluster.set_leader("moves", 2, 1);
    wave();
    CHECK_FALSE(producer.flush(30s));
    const auto start = std::chrono::steady_clock::now();
    producer.close(10s);
    CHECK(std::chrono::steady_clock::now() - start < 11s);
  }
  CHECK(run.check(cluster.bootstrap(), 3) == run.sent());
}

TEST_CASE("e2e: close(timeout) with an unreachable leader fails the rest within its bound", "[e2e]") {
  kwire::test::MockCluster cluster(1, {{"down", 1, 1}});
  Run run("down");
  auto config = config_for(cluster);
  {
    kwire::Producer producer(config);
    REQUIRE_FALSE(run.send(producer, 0, 0));
    CHECK_FALSE(producer.flush(30s));
    cluster.broker_down(1);
    for (std::uint64_t id = 1; id < 100; ++id) REQUIRE_FALSE(run.send(producer, id, 0));
    const auto start = std::chrono::steady_clock::now();
    producer.close(500ms);
    CHECK(std::chrono::steady_clock::now() - start < 3s);
    cluster.broker_up(1);
  }
  // The first record was written; the others were failed by close.
  CHECK(run.check(cluster.bootstrap(), 1, true) >= 1);
}
