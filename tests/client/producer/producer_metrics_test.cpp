// Producer::metrics() against librdkafka's mock cluster: the counts follow
// what really happened (records delivered, records purged as failed, produce
// requests, bytes on the wire, buffer.memory given back), and to_json carries
// every value under its member's name (issue 14, item 4). Throttling is
// checked against the TxnBroker: the mock cannot set throttle_time_ms.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <string>

#include "kwire/errors.hpp"
#include "kwire/producer.hpp"
#include "kwire/producer_metrics.hpp"
#include "mock_cluster.hpp"
#include "txn_broker.hpp"

using namespace std::chrono_literals;

namespace {

kwire::Record record(std::int32_t partition) {
  return kwire::Record{.topic = "metrics", .partition = partition, .value = kwire::as_bytes("value")};
}

}  // namespace

TEST_CASE("metrics count delivered records, requests and bytes", "[producer][metrics][mock]") {
  kwire::test::MockCluster cluster(1, {{"metrics", 2}});
  kwire::Producer producer({{"bootstrap.servers", cluster.bootstrap()}, {"queue.buffering.max.messages", "1000"}});
  const kwire::ProducerMetrics before = producer.metrics();
  CHECK(before.records_delivered == 0);
  CHECK(before.produce_requests == 0);

  for (int i = 0; i < 20; ++i) REQUIRE_FALSE(producer.send(record(i % 2), [](std::error_code, const kwire::RecordMetadata&) {}));
  REQUIRE_FALSE(producer.flush(10s));
  const kwire::ProducerMetrics m = producer.metrics();
  CHECK(m.records_delivered == 20);
  CHECK(m.records_failed == 0);
  CHECK(m.records_buffered == 0);  // counted: queue.buffering.max.messages is set
  CHECK(m.batches_acknowledged >= 2);  // two partitions
  CHECK(m.produce_requests >= 1);
  CHECK(m.produce_requests_in_flight == 0);
  CHECK(m.buffer_memory_total == static_cast<std::uint64_t>(producer.config().buffer_memory));
  CHECK(m.buffer_memory_used == 0);
  CHECK(m.requests_sent > m.produce_requests);  // Metadata and ApiVersions too
  CHECK(m.bytes_sent > 20 * 5);
  CHECK(m.responses_received >= m.produce_requests);
  CHECK(m.connects >= 1);
  CHECK(m.rtt_max_us >= m.rtt_mean_us);
}

TEST_CASE("metrics count purged records as failed, and buffered ones while held", "[producer][metrics][purge][mock]") {
  kwire::test::MockCluster cluster(1, {{"metrics", 1}});
  kwire::Producer producer({{"bootstrap.servers", cluster.bootstrap()},
                            {"linger.ms", "60000"},
                            {"queue.buffering.max.messages", "100"}});
  for (int i = 0; i < 7; ++i) REQUIRE_FALSE(producer.send(record(0), [](std::error_code, const kwire::RecordMetadata&) {}));
  const kwire::ProducerMetrics held = producer.metrics();
  CHECK(held.records_buffered == 7);
  CHECK(held.buffer_memory_used > 0);
  REQUIRE(producer.purge() == 7);
  const kwire::ProducerMetrics m = producer.metrics();
  CHECK(m.records_failed == 7);
  CHECK(m.records_delivered == 0);
  CHECK(m.records_buffered == 0);
  CHECK(m.batches_purged == 1);
  CHECK(m.buffer_memory_used == 0);
}

TEST_CASE("metrics without queue.buffering.max.messages do not count buffered records", "[producer][metrics][mock]") {
  kwire::test::MockCluster cluster(1, {{"metrics", 1}});
  kwire::Producer producer({{"bootstrap.servers", cluster.bootstrap()}});
  CHECK(producer.metrics().records_buffered == -1);
}

TEST_CASE("metrics in JSON: every member under its name", "[producer][metrics]") {
  kwire::ProducerMetrics m;
  m.records_delivered = 12;
  m.records_buffered = -1;
  m.rtt_max_us = 987654321;
  const std::string json = kwire::to_json(m);
  CHECK(json.front() == '{');
  CHECK(json.back() == '}');
  CHECK(json.find("\"records_delivered\":12,") != std::string::npos);
  CHECK(json.find("\"records_buffered\":-1,") != std::string::npos);
  CHECK(json.find("\"rtt_max_us\":987654321,") != std::string::npos);
  CHECK(json.find("\"batches_purged\":0,") != std::string::npos);
  CHECK(json.find("\"compression_ratio\":1.000,") != std::string::npos);
  CHECK(json.find("\"brokers\":[],\"partitions\":[]}") != std::string::npos);

  m.compression_ratio = 2.5;
  m.brokers.push_back(kwire::BrokerMetrics{.broker_id = 3, .produce_requests = 4, .throttle_time_max_ms = 9});
  m.partitions.push_back(kwire::PartitionMetrics{.topic = "t", .partition = 1, .records_queued = 2});
  m.partitions.push_back(kwire::PartitionMetrics{.topic = "t", .partition = 2, .records_failed = 5});
  const std::string nested = kwire::to_json(m);
  CHECK(nested.find("\"compression_ratio\":2.500,") != std::string::npos);
  CHECK(nested.find("\"brokers\":[{\"broker_id\":3,\"produce_requests\":4,") != std::string::npos);
  CHECK(nested.find("\"throttle_time_max_ms\":9}]") != std::string::npos);
  CHECK(nested.find("\"partitions\":[{\"topic\":\"t\",\"partition\":1,\"records_queued\":2,") != std::string::npos);
  CHECK(nested.find("},{\"topic\":\"t\",\"partition\":2,") != std::string::npos);
  CHECK(nested.find("\"records_failed\":5,") != std::string::npos);
  CHECK(nested.back() == '}');
}

TEST_CASE("metrics per broker and partition, delivery latency and compression", "[producer][metrics][mock]") {
  kwire::test::MockCluster cluster(1, {{"metrics", 2}});
  cluster.set_rtt(1, 50ms);  // every answer of broker 1 comes 50 ms late
  kwire::Producer producer(
      {{"bootstrap.servers", cluster.bootstrap()}, {"compression.type", "gzip"}, {"linger.ms", "20"}});
  const std::string value(300, 'a');  // compresses well
  for (int i = 0; i < 200; ++i) {
    kwire::Record r{.topic = "metrics", .partition = i % 2, .value = kwire::as_bytes(value)};
    REQUIRE_FALSE(producer.send(r, [](std::error_code, const kwire::RecordMetadata&) {}));
  }
  REQUIRE_FALSE(producer.flush(20s));
  const kwire::ProducerMetrics m = producer.metrics();

  REQUIRE(m.brokers.size() == 1);
  const kwire::BrokerMetrics& b = m.brokers[0];
  CHECK(b.broker_id == 1);
  CHECK(b.produce_requests == m.produce_requests);
  CHECK(b.produce_requests_in_flight == 0);
  CHECK(b.produce_request_failures == 0);
  CHECK(b.produce_bytes == m.bytes_compressed);
  CHECK(b.rtt_mean_us >= 50000);
  CHECK(b.rtt_max_us >= b.rtt_mean_us);
  CHECK(b.throttle_time_total_ms == 0);

  REQUIRE(m.partitions.size() == 2);
  for (std::int32_t p = 0; p < 2; ++p) {
    INFO("partition " << p);
    const kwire::PartitionMetrics& pm = m.partitions[static_cast<std::size_t>(p)];
    CHECK(pm.topic == "metrics");
    CHECK(pm.partition == p);
    CHECK(pm.records_delivered == 100);
    CHECK(pm.records_failed == 0);
    CHECK(pm.records_queued == 0);
    CHECK(pm.records_in_flight == 0);
    CHECK(pm.batches_sent >= 1);
  }

  // Every delivered record is in the histogram; each waited for a 50 ms answer.
  CHECK(m.delivery_latency_records == 200);
  CHECK(m.delivery_latency_max_us >= 50000);
  CHECK(m.delivery_latency_p50_us >= 50000 / 2);  // buckets are powers of two
  CHECK(m.delivery_latency_p99_us >= m.delivery_latency_p50_us);
  CHECK(m.delivery_latency_max_us >= m.delivery_latency_p99_us);

  CHECK(m.bytes_uncompressed > 200 * 300);
  CHECK(m.bytes_compressed < m.bytes_uncompressed / 4);
  CHECK(m.compression_ratio > 4.0);
}

TEST_CASE("metrics per partition: records queued while held, failed once purged", "[producer][metrics][purge][mock]") {
  kwire::test::MockCluster cluster(1, {{"metrics", 2}});
  kwire::Producer producer({{"bootstrap.servers", cluster.bootstrap()}, {"linger.ms", "60000"}});
  for (int i = 0; i < 8; ++i) REQUIRE_FALSE(producer.send(record(i < 5 ? 0 : 1), [](std::error_code, const kwire::RecordMetadata&) {}));
  const kwire::ProducerMetrics held = producer.metrics();
  REQUIRE(held.partitions.size() == 2);
  CHECK(held.partitions[0].records_queued == 5);
  CHECK(held.partitions[1].records_queued == 3);
  CHECK(held.partitions[0].records_delivered == 0);
  REQUIRE(producer.purge() == 8);
  const kwire::ProducerMetrics m = producer.metrics();
  REQUIRE(m.partitions.size() == 2);
  CHECK(m.partitions[0].records_queued == 0);
  CHECK(m.partitions[0].records_failed == 5);
  CHECK(m.partitions[1].records_failed == 3);
  CHECK(m.delivery_latency_records == 0);  // failures are not latencies
  CHECK(m.bytes_compressed == 0);          // nothing was sent
  CHECK(m.compression_ratio == 1.0);
}

TEST_CASE("metrics carry the throttle time of the broker's Produce answers", "[producer][metrics][throttle]") {
  kwire::test::TxnBroker broker;
  broker.create_topic("metrics", 1);
  broker.set_produce_throttle(0, 250ms);
  kwire::Producer producer({{"bootstrap.servers", broker.bootstrap()}, {"linger.ms", "0"}});
  kwire::RecordMetadata md;
  for (int i = 0; i < 3; ++i) REQUIRE_FALSE(producer.send_and_wait(record(0), md));  // one request each
  const kwire::ProducerMetrics m = producer.metrics();
  REQUIRE(m.brokers.size() == 1);
  const kwire::BrokerMetrics& b = m.brokers[0];
  CHECK(b.broker_id == 1);
  CHECK(b.produce_requests == 3);
  CHECK(b.throttle_time_total_ms == 750);
  CHECK(b.throttle_time_max_ms == 250);
  CHECK(kwire::to_json(m).find("\"throttle_time_total_ms\":750") != std::string::npos);
}
