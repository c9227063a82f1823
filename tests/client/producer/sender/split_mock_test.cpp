// Splitting a batch refused as too large, through the public Producer against
// librdkafka's mock cluster (which cannot be configured with a small maximum
// message size, so the first Produce requests answer MESSAGE_TOO_LARGE by
// injection and write nothing). Read back with librdkafka's consumer: every
// record once, in send order, byte for byte (a borrowed 100 KiB value spliced
// in by reference included), at the offset its report gave; every report once.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "delivery_recorder.hpp"
#include "kwire/producer.hpp"
#include "kwire/protocol/kafka_errc.hpp"
#include "log_reader.hpp"
#include "mock_cluster.hpp"

using namespace std::chrono_literals;

namespace kwire::test::split_mock {

constexpr std::int16_t kProduce = 0;

void split_round_trip(kwire::CompressionType codec, const std::string& topic) {
  kwire::test::MockCluster cluster(1, {{topic, 1, 1}});
  const auto too_large = static_cast<std::int16_t>(kwire::protocol::kafka_errc::message_too_large);
  cluster.push_request_errors(kProduce, {too_large, too_large});
  kwire::ProducerConfig c;
  c.bootstrap_servers = {cluster.bootstrap()};
  c.linger = 300ms;  // all records below go into one batch
  c.batch_size = 1 << 20;
  c.max_request_size = 4 << 20;
  c.compression_type = codec;
  c.request_timeout = 10s;
  c.delivery_timeout = 30s;
  const std::size_t n = 120;
  std::vector<std::string> values;
  for (std::size_t i = 0; i < n; ++i) values.push_back("value-" + std::to_string(i) + std::string(i % 50, 'v'));
  values[70] = std::string(100 * 1024, 'B');  // borrowed and above message.copy.max.bytes
  kwire::test::DeliveryRecorder reports;
  {
    kwire::Producer producer(c);
    for (std::size_t i = 0; i < n; ++i) {
      kwire::Record r;
      r.topic = topic;
      r.partition = 0;
      std::string key = "k" + std::to_string(i);
      r.key = kwire::as_bytes(key);
      r.value = kwire::as_bytes(values[i]);
      r.timestamp_ms = 1'700'000'000'000 + static_cast<std::int64_t>(i);
      r.user_id = i;
      if (i == 70) r.ownership = kwire::ValueOwnership::borrow;
      REQUIRE_FALSE(producer.send(r, reports.handler()));
    }
    CHECK_FALSE(producer.flush(30s));
    producer.close(10s);
  }
  auto read = kwire::test::read_partition(cluster.bootstrap(), topic, 0);
  REQUIRE(read.error.empty());
  REQUIRE(read.records.size() == n);
  const auto got = reports.snapshot();
  REQUIRE(got.size() == n);
  for (std::size_t i = 0; i < n; ++i) {
    INFO("record " << i);
    const kwire::test::RecordedReport& report = got.at(i);
    CHECK(report.fired == 1);
    CHECK_FALSE(report.error);
    CHECK(report.metadata.offset == static_cast<std::int64_t>(i));
    CHECK(read.records[i].offset == static_cast<std::int64_t>(i));
    CHECK(read.records[i].key == "k" + std::to_string(i));
    CHECK(read.records[i].value == values[i]);
    CHECK(read.records[i].timestamp_ms == 1'700'000'000'000 + static_cast<std::int64_t>(i));
  }
}

}  // namespace kwire::test::split_mock

namespace split_mock = kwire::test::split_mock;

TEST_CASE("split e2e: a batch refused as too large twice reaches the mock in halves, uncompressed", "[split][e2e]") {
  split_mock::split_round_trip(kwire::CompressionType::none, "split-none");
}

TEST_CASE("split e2e: a batch refused as too large twice reaches the mock in halves, lz4", "[split][e2e]") {
  split_mock::split_round_trip(kwire::CompressionType::lz4, "split-lz4");
}
