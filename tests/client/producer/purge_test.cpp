// Producer::purge against librdkafka's mock cluster: queued records are
// dropped with one report each (errc::purged_queue, outcome not_sent), the
// producer goes on with no gap in the partition; with in_flight, a record the
// broker refused and that waits for its retry is dropped too.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "delivery_recorder.hpp"
#include "kafka_codes.hpp"
#include "kwire/errors.hpp"
#include "kwire/producer.hpp"
#include "kwire/protocol/errors.hpp"
#include "mock_cluster.hpp"

using namespace std::chrono_literals;

namespace codes = kwire::test::codes;

namespace {

constexpr std::int16_t kProduceApiKey = 0;

kwire::Record record(std::uint64_t id, std::int32_t partition) {
  kwire::Record r{.topic = "purge", .partition = partition, .value = kwire::as_bytes("value")};
  r.user_id = id;
  return r;
}

}  // namespace

TEST_CASE("purge drops queued records, each reported once; later sends go on without a gap",
          "[producer][purge][mock]") {
  kwire::test::MockCluster cluster(1, {{"purge", 2}});
  kwire::Producer producer({{"bootstrap.servers", cluster.bootstrap()}, {"linger.ms", "60000"}});
  kwire::test::DeliveryRecorder reports;

  for (std::uint64_t id = 0; id < 5; ++id) REQUIRE_FALSE(producer.send(record(id, 0), reports.handler()));
  REQUIRE_FALSE(producer.flush(10s));
  // Lingering for a minute: these stay queued until purged.
  for (std::uint64_t id = 5; id < 10; ++id) REQUIRE_FALSE(producer.send(record(id, id % 2 == 0 ? 0 : 1), reports.handler()));

  CHECK(producer.purge() == 5);
  REQUIRE(reports.wait(10));
  CHECK(producer.purge() == 0);  // nothing left to drop

  for (std::uint64_t id = 10; id < 15; ++id) REQUIRE_FALSE(producer.send(record(id, 0), reports.handler()));
  REQUIRE_FALSE(producer.flush(10s));
  REQUIRE(reports.wait(15));

  const auto seen = reports.snapshot();
  for (const auto& [id, report] : seen) {
    INFO("record " << id);
    CHECK(report.fired == 1);
    if (id >= 5 && id < 10) {
      CHECK(report.error == kwire::errc::purged_queue);
      CHECK(report.metadata.outcome == kwire::DeliveryOutcome::not_sent);
      CHECK(report.metadata.offset == -1);
    } else {
      CHECK_FALSE(report.error);
      // Partition 0 holds 0..4 then 10..14 at consecutive offsets: the
      // purged records left no hole in the idempotent sequence.
      CHECK(report.metadata.offset == static_cast<std::int64_t>(id < 5 ? id : id - 5));
    }
  }
}

TEST_CASE("purge with in_flight drops a record the broker refused, awaiting its retry", "[producer][purge][mock]") {
  kwire::test::MockCluster cluster(1, {{"purge", 1}});
  // Every produce is refused (retriable), and the retry waits a minute.
  cluster.push_request_errors(kProduceApiKey, std::vector<std::int16_t>(50, codes::kNotLeaderOrFollower));
  kwire::Producer producer({{"bootstrap.servers", cluster.bootstrap()},
                            {"linger.ms", "0"},
                            {"retry.backoff.ms", "60000"},
                            {"retry.backoff.max.ms", "60000"}});
  kwire::test::DeliveryRecorder reports;
  REQUIRE_FALSE(producer.send(record(1, 0), reports.handler()));

  // Taken as soon as its refused attempt is back in the queue (before that
  // it is on the wire, and purge finds nothing to take).
  std::size_t purged = 0;
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  while (purged == 0 && std::chrono::steady_clock::now() < give_up) {
    purged = producer.purge({.queued = false, .in_flight = true});
    if (purged == 0) std::this_thread::yield();
  }
  REQUIRE(purged == 1);
  REQUIRE(reports.wait(1));
  const auto report = reports.snapshot().at(1);
  CHECK(report.fired == 1);
  CHECK(report.error == kwire::errc::purged_in_flight);
  CHECK(report.metadata.outcome == kwire::DeliveryOutcome::rejected);  // refused before being appended
}
