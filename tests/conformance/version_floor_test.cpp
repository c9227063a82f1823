// The lowest versions whose meaning kwire can keep, against librdkafka's
// mock told to advertise only older ones (rd_kafka_mock_set_apiversion):
// - Produce v0-v2 carry message sets v0/v1; kwire writes only record
//   batches v2 (Produce v3+). A broker that knows no more than v2 must get
//   no Produce at all, not a v2 batch it would read as an old message set.
// - FindCoordinator v0 has no key type: a broker answers every v0 lookup
//   with the group coordinator of the key. A transactional producer must
//   not take that answer as its transaction coordinator.
// - zstd needs Produce v7 (KIP-110): a broker answers an older version
//   UNSUPPORTED_COMPRESSION_TYPE (one knowing no v7 cannot read zstd), so
//   kwire sends zstd batches at v7+ only.
#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <string>

#include "kwire/errors.hpp"
#include "kwire/net/errors.hpp"
#include "kwire/producer.hpp"
#include "log_reader.hpp"
#include "mock_cluster.hpp"

using namespace std::chrono_literals;

TEST_CASE("a broker with Produce v0-v2 only gets no Produce from kwire (record batches v2 need v3)",
          "[conformance][semantics][mock]") {
  kwire::test::MockCluster cluster(1, {{"floor", 1}});
  cluster.set_api_version(0 /* Produce */, 0, 2);
  std::promise<std::error_code> delivered;
  {
    kwire::Producer producer(kwire::Properties{{"bootstrap.servers", cluster.bootstrap()},
                                               {"enable.idempotence", "false"},
                                               {"delivery.timeout.ms", "3000"},
                                               {"request.timeout.ms", "1000"},
                                               {"linger.ms", "0"}});
    kwire::Record record;
    record.topic = "floor";
    record.partition = 0;
    const std::string value = "must not be written";
    record.value = kwire::as_bytes(value);
    REQUIRE(producer.send(record, [&](std::error_code ec, kwire::RecordMetadata) { delivered.set_value(ec); }) ==
            std::error_code());
    const auto ec = delivered.get_future().get();
    INFO("delivery: " << ec.message());
    CHECK(ec == kwire::net::net_errc::no_common_version);
    producer.close(5s);
  }
  cluster.set_api_version(0, 0, 7);
  auto read = kwire::test::read_partition(cluster.bootstrap(), "floor", 0, 10s);
  REQUIRE(read.error == "");
  CHECK(read.records.empty());
}

TEST_CASE("a transactional producer refuses FindCoordinator v0 (no key type: the group coordinator's answer)",
          "[conformance][semantics][mock]") {
  kwire::test::MockCluster cluster(1, {{"floor", 1}});
  cluster.set_api_version(10 /* FindCoordinator */, 0, 0);
  kwire::Producer producer(kwire::Properties{{"bootstrap.servers", cluster.bootstrap()},
                                             {"transactional.id", "floor-txn"},
                                             {"transaction.timeout.ms", "60000"}});
  const auto ec = producer.init_transactions(5s);
  INFO("init_transactions: " << ec.message());
  CHECK(ec == kwire::net::net_errc::no_common_version);
}

namespace {

// Sends one zstd record to partition 0 of "zstd" and waits for its report.
std::error_code produce_zstd(const std::string& bootstrap, const std::string& value) {
  std::promise<std::error_code> delivered;
  kwire::Producer producer(kwire::Properties{{"bootstrap.servers", bootstrap},
                                             {"compression.type", "zstd"},
                                             {"delivery.timeout.ms", "3000"},
                                             {"request.timeout.ms", "1000"},
                                             {"linger.ms", "0"}});
  kwire::Record record;
  record.topic = "zstd";
  record.partition = 0;
  record.value = kwire::as_bytes(value);
  if (auto ec = producer.send(record, [&](std::error_code e, kwire::RecordMetadata) { delivered.set_value(e); }))
    return ec;
  const auto ec = delivered.get_future().get();
  producer.close(5s);
  return ec;
}

}  // namespace

TEST_CASE("zstd batches go out at Produce v7+ only (KIP-110)", "[conformance][semantics][mock]") {
  kwire::test::MockCluster cluster(1, {{"zstd", 1}});
  cluster.set_api_version(0 /* Produce */, 3, 6);
  const auto below = produce_zstd(cluster.bootstrap(), "not below v7");
  INFO("Produce v3-6: " << below.message());
  CHECK(below == kwire::net::net_errc::no_common_version);
  cluster.set_api_version(0, 3, 7);
  const auto at_v7 = produce_zstd(cluster.bootstrap(), "at v7");
  INFO("Produce v3-7: " << at_v7.message());
  CHECK(at_v7 == std::error_code());
  auto read = kwire::test::read_partition(cluster.bootstrap(), "zstd", 0, 10s);
  REQUIRE(read.error == "");
  REQUIRE(read.records.size() == 1);
  CHECK(read.records[0].value == std::optional<std::string>("at v7"));
}
