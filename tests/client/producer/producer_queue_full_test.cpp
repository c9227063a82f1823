// A full producer buffer through the public API (in-process broker): a send
// that chooses not to block, a blocking send in manual-poll mode freed by a
// report, and queue.buffering.max.messages bounding the records held.
#include <catch2/catch.hpp>

#include "producer_api_cluster.hpp"

namespace producer_api {

// Records 1 and 2 go to partitions `first` and `second` and are held; record
// 3 (to `third_partition`), sent with fail_at_once, is refused with
// queue_full before any report (it did not wait for the others to go).
// Returns record 3, to be sent again.
kwire::Record refused_when_full(kwire::Producer& producer, kwire::test::DeliveryRecorder& reports, std::int32_t first,
                                std::int32_t second, std::int32_t third_partition) {
  REQUIRE_FALSE(producer.send(numbered(1, first), reports.handler()));
  REQUIRE_FALSE(producer.send(numbered(2, second), reports.handler()));
  kwire::Record third = numbered(3, third_partition);
  third.when_full = kwire::QueueFullAction::fail_at_once;
  CHECK(producer.send(third, reports.handler()) == kwire::errc::queue_full);
  CHECK(reports.reported() == 0);
  return third;
}

TEST_CASE("producer api: a send may choose not to block when the buffer is full", "[producer][queue_full]") {
  Cluster cluster;
  // Blocking by default, for a minute: a send that waited would get its room
  // (a waiter makes every batch ready, and their reports free the memory).
  kwire::Producer producer =
      cluster.make({{"buffer.memory", "2048"}, {"batch.size", "1024"}, {"linger.ms", "60000"}, {"max.block.ms", "60000"}});
  kwire::test::DeliveryRecorder reports;
  kwire::Record third = refused_when_full(producer, reports, 0, 1, 2);
  third.when_full = kwire::QueueFullAction::producer_default;
  CHECK_FALSE(producer.send(third, reports.handler()));
  REQUIRE_FALSE(producer.flush(10s));
  REQUIRE(reports.wait(3));
  for (const auto& [id, report] : reports.snapshot()) {
    CHECK(report.fired == 1);
    CHECK_FALSE(report.error);
  }
}

TEST_CASE("producer api: in manual-poll mode a send may choose to block until a report frees room",
          "[producer][queue_full]") {
  Cluster cluster;
  kwire::Producer producer =
      cluster.make({{"enable.manual.events.poll", "true"}, {"buffer.memory", "2048"}, {"batch.size", "1024"},
                    {"linger.ms", "60000"}, {"max.block.ms", "60000"}});
  std::atomic<int> delivered{0};
  auto cb = [&](std::error_code ec, kwire::RecordMetadata) {
    if (!ec) ++delivered;
  };
  REQUIRE_FALSE(producer.send(record("k", "a", 0), cb));
  REQUIRE_FALSE(producer.send(record("k", "b", 1), cb));
  CHECK(producer.send(record("k", "c", 2), cb) == kwire::errc::queue_full);  // the mode's default
  kwire::Record blocking = numbered(3, 2);
  blocking.when_full = kwire::QueueFullAction::block;
  // Memory comes back when the first batches complete, before their reports
  // are polled: this thread need not poll to get unblocked.
  CHECK_FALSE(producer.send(blocking, cb));
  REQUIRE_FALSE(producer.flush(10s));
  std::size_t polled = 0;
  while (polled < 3) polled += producer.poll_events(100ms);
  CHECK(delivered == 3);
}

TEST_CASE("producer api: queue.buffering.max.messages bounds the records held", "[producer][queue_full]") {
  Cluster cluster;
  kwire::Producer producer = cluster.make({{"queue.buffering.max.messages", "2"}, {"linger.ms", "60000"},
                                           {"max.block.ms", "60000"}});
  CHECK(producer.config().buffer_max_records == 2);
  kwire::test::DeliveryRecorder reports;
  // Two records held, though buffer.memory has room for thousands.
  kwire::Record third = refused_when_full(producer, reports, 0, 0, 0);
  // Blocking: the wait makes the held batch ready; its reports free the slots.
  third.when_full = kwire::QueueFullAction::block;
  REQUIRE_FALSE(producer.send(third, reports.handler()));
  CHECK(reports.wait(2));
  REQUIRE_FALSE(producer.flush(10s));
  REQUIRE(reports.wait(3));
  for (const auto& [id, report] : reports.snapshot()) {
    INFO("record " << id);
    CHECK(report.fired == 1);
    CHECK_FALSE(report.error);
  }
  // Fire-and-forget records hold slots too, and give them back.
  for (int i = 0; i < 10; ++i) REQUIRE_FALSE(producer.send(numbered(100, 1), nullptr));
  REQUIRE_FALSE(producer.flush(10s));
}

TEST_CASE("producer api: queue.buffering.max.messages takes a count", "[producer][queue_full][config]") {
  CHECK_THROWS_AS(kwire::ProducerConfig::from_properties({{"bootstrap.servers", "h:9092"}, {"queue.buffering.max.messages", "-1"}}), kwire::ConfigError);
  CHECK_THROWS_AS(kwire::ProducerConfig::from_properties({{"bootstrap.servers", "h:9092"}, {"queue.buffering.max.messages", "many"}}), kwire::ConfigError);
  CHECK(kwire::ProducerConfig::from_properties({{"bootstrap.servers", "h:9092"}, {"queue.buffering.max.messages", "0"}}).buffer_max_records == 0);
}

}  // namespace producer_api
