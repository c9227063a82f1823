// The lowest versions a read_committed consumer can keep its promise at,
// against librdkafka's mock told to advertise only older ones
// (rd_kafka_mock_set_apiversion). Fetch has an isolation level from v4 and
// ListOffsets from v2: below them a broker returns uncommitted records and
// the high watermark instead of the last stable offset, silently. kwire's
// consumer must send neither and report no_common_version on the partition;
// a read_uncommitted consumer reads through the same broker (the control
// that the mock serves those versions and the record is there).
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <system_error>
#include <vector>

#include "kwire/consumer.hpp"
#include "kwire/net/errors.hpp"
#include "kwire/producer.hpp"
#include "mock_cluster.hpp"

using namespace std::chrono_literals;

namespace {

struct Polled {
  std::vector<std::string> values;
  std::error_code error;
};

void write_one(const std::string& bootstrap) {
  kwire::Producer producer(kwire::Properties{{"bootstrap.servers", bootstrap}, {"linger.ms", "0"}});
  kwire::Record record;
  record.topic = "floor";
  record.partition = 0;
  const std::string value = "uncommitted-or-not";
  record.value = kwire::as_bytes(value);
  REQUIRE(producer.send(record, [](std::error_code, kwire::RecordMetadata) {}) == std::error_code());
  REQUIRE(producer.flush(10s) == std::error_code());
}

// Polls until a record or an error arrives, or 10 s pass.
Polled poll_first(const std::string& bootstrap, const std::string& isolation) {
  kwire::Consumer consumer(kwire::Properties{{"bootstrap.servers", bootstrap},
                                             {"isolation.level", isolation},
                                             {"auto.offset.reset", "earliest"},
                                             {"fetch.max.wait.ms", "50"}});
  consumer.assign({{"floor", 0}});
  Polled out;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline && out.values.empty() && !out.error) {
    const auto& records = consumer.poll(200ms);
    for (const auto& r : records) out.values.emplace_back(kwire::protocol::as_string(r.value.value_or(kwire::Bytes())));
    out.error = records.error();
  }
  return out;
}

// With `api_key` capped at [0, max]: read_committed gets no_common_version
// and no record; read_uncommitted reads the record through the same broker.
void check_floor(std::int16_t api_key, std::int16_t max) {
  kwire::test::MockCluster cluster(1, {{"floor", 1}});
  write_one(cluster.bootstrap());
  cluster.set_api_version(api_key, 0, max);
  const auto committed = poll_first(cluster.bootstrap(), "read_committed");
  INFO("read_committed: " << committed.error.message());
  CHECK(committed.values.empty());
  CHECK(committed.error == kwire::net::net_errc::no_common_version);
  const auto uncommitted = poll_first(cluster.bootstrap(), "read_uncommitted");
  CHECK(uncommitted.error == std::error_code());
  CHECK(uncommitted.values == std::vector<std::string>{"uncommitted-or-not"});
}

}  // namespace

TEST_CASE("a read_committed consumer sends no Fetch below v4 (no isolation level)", "[conformance][semantics][mock]") {
  check_floor(1 /* Fetch */, 3);
}

TEST_CASE("a read_committed consumer sends no ListOffsets below v2 (no isolation level: the high watermark, not the LSO)",
          "[conformance][semantics][mock]") {
  check_floor(2 /* ListOffsets */, 1);
}

// ListOffsets v0 answers with a list of "old-style" offsets instead of one
// offset; kwire reads the first. Against the mock capped at v0, the
// beginning and end of a partition holding three records are 0 and 3.
TEST_CASE("ListOffsets v0: the offset is the first of the old-style offsets", "[conformance][semantics][mock]") {
  kwire::test::MockCluster cluster(1, {{"floor", 1}});
  for (int i = 0; i < 3; ++i) write_one(cluster.bootstrap());
  cluster.set_api_version(2 /* ListOffsets */, 0, 0);
  kwire::Consumer consumer(kwire::Properties{{"bootstrap.servers", cluster.bootstrap()}});
  const std::vector<kwire::TopicPartition> partitions{{"floor", 0}};
  std::vector<std::int64_t> beginning, end;
  CHECK(consumer.beginning_offsets(partitions, beginning, 10s) == std::error_code());
  CHECK(consumer.end_offsets(partitions, end, 10s) == std::error_code());
  CHECK(beginning == std::vector<std::int64_t>{0});
  CHECK(end == std::vector<std::int64_t>{3});
}
