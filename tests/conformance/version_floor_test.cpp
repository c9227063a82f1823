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

namespace {

// Sends one record to partition 0 of `topic` and waits for its report.
std::error_code produce_one(const std::string& bootstrap, const std::string& topic, const std::string& value,
                            const std::string& compression) {
  std::promise<std::error_code> delivered;
  kwire::Producer producer(kwire::Properties{{"bootstrap.servers", bootstrap},
                                             {"enable.idempotence", "false"},
                                             {"compression.type", compression},
                                             {"delivery.timeout.ms", "3000"},
                                             {"request.timeout.ms", "1000"},
                                             {"linger.ms", "0"}});
  kwire::Record record;
  record.topic = topic;
  record.partition = 0;
  record.value = kwire::as_bytes(value);
  if (auto ec = producer.send(record, [&](std::error_code e, kwire::RecordMetadata) { delivered.set_value(e); }))
    return ec;
  const auto ec = delivered.get_future().get();
  producer.close(5s);
  return ec;
}

}  // namespace

TEST_CASE("a broker with Produce v0-v2 only gets no Produce from kwire (record batches v2 need v3)",
          "[conformance][semantics][mock]") {
  kwire::test::MockCluster cluster(1, {{"floor", 1}});
  cluster.set_api_version(0 /* Produce */, 0, 2);
  CHECK(produce_one(cluster.bootstrap(), "floor", "must not be written", "none") ==
        kwire::net::net_errc::no_common_version);
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

TEST_CASE("zstd batches go out at Produce v7+ only (KIP-110)", "[conformance][semantics][mock]") {
  kwire::test::MockCluster cluster(1, {{"zstd", 1}});
  cluster.set_api_version(0 /* Produce */, 3, 6);
  CHECK(produce_one(cluster.bootstrap(), "zstd", "not below v7", "zstd") == kwire::net::net_errc::no_common_version);
  cluster.set_api_version(0, 3, 7);
  CHECK(produce_one(cluster.bootstrap(), "zstd", "at v7", "zstd") == std::error_code());
  auto read = kwire::test::read_partition(cluster.bootstrap(), "zstd", 0, 10s);
  REQUIRE(read.error == "");
  REQUIRE(read.records.size() == 1);
  CHECK(read.records[0].value == std::optional<std::string>("at v7"));
}
