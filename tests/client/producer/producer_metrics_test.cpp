// Producer::metrics() against librdkafka's mock cluster: the counts follow
// what really happened (records delivered, records purged as failed, produce
// requests, bytes on the wire, buffer.memory given back), and to_json carries
// every value under its member's name (issue 14, item 4).
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <string>

#include "kwire/errors.hpp"
#include "kwire/producer.hpp"
#include "kwire/producer_metrics.hpp"
#include "mock_cluster.hpp"

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
  CHECK(json.find("\"rtt_max_us\":987654321}") != std::string::npos);
  CHECK(json.find("\"batches_purged\":0,") != std::string::npos);
}
