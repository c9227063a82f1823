// The sender against an in-process broker with Kafka's idempotence checks
// (sender_fake_broker.hpp): pipelining, exactly-once in order, acks=0,
// delivery timeout, close bounds, the in-flight limit, the leader's
// connection prepared while a first batch lingers.
#include <catch2/catch.hpp>

#include <future>
#include <utility>

#include "kwire/errors.hpp"
#include "sender_checks.hpp"

using namespace std::chrono_literals;
using kwire::test::SenderHarness;
using kwire::test::SentRecord;
using kwire::test::value_of;

namespace {

std::vector<SentRecord> send_round_robin(SenderHarness& h, const std::string& topic, int partitions, int count,
                                         std::uint64_t first_id = 0) {
  std::vector<SentRecord> sent;
  for (int i = 0; i < count; ++i) {
    const std::uint64_t id = first_id + static_cast<std::uint64_t>(i);
    const std::int32_t p = i % partitions;
    REQUIRE_FALSE(h.send(topic, p, value_of(id), id));
    sent.push_back({topic, p, id});
  }
  return sent;
}

}  // namespace

TEST_CASE("sender: records reach the log exactly once, in order, at their reported offsets", "[sender]") {
  SenderHarness h;
  h.broker.set_leader("t", 0, 1);
  h.broker.set_leader("t", 1, 1);
  h.broker.set_leader("t", 2, 2);
  h.start();
  auto sent = send_round_robin(h, "t", 3, 3000);
  auto took = h.close(10s);
  CHECK(h.closed);
  CHECK(took < 10s);
  auto summary = kwire::test::check_exactly_once_in_order(h, sent);
  CHECK(summary.acknowledged == sent.size());
  CHECK(h.broker.init_producer_id_requests == 1);
  // Several requests were pipelined on a connection, never more than five.
  CHECK(h.sender.max_in_flight_seen() > 1);
  CHECK(h.sender.max_in_flight_seen() <= 5);
  CHECK(h.broker.produce_requests > 3);
}

// Issue 15: the first batch to a leader opened its connection only after its
// linger, so the set-up round trips came on top of it. With a linger of an
// hour nothing is sent before close(): the preparation must come first.
TEST_CASE("sender: the leader's connection is prepared while its first batch lingers and before any send",
          "[sender]") {
  auto acc = SenderHarness::small_batches();
  acc.linger = std::chrono::hours(1);
  acc.batch_size = 1 << 20;
  SenderHarness h(acc);
  h.broker.set_leader("t", 0, 7);
  std::promise<std::pair<std::int32_t, int>> first_prepared;  // broker, Produce requests before it
  bool prepared = false;
  h.broker.on_prepare = [&](std::int32_t broker) {
    if (prepared) return;
    prepared = true;
    first_prepared.set_value({broker, h.broker.produce_requests});
  };
  auto prepared_future = first_prepared.get_future();
  h.start();
  REQUIRE_FALSE(h.send("t", 0, "v", 0));
  REQUIRE(prepared_future.wait_for(10s) == std::future_status::ready);
  const auto [broker, produced_before] = prepared_future.get();
  CHECK(broker == 7);
  CHECK(produced_before == 0);
  h.close(10s);
  CHECK(h.closed);
  const auto reports = h.snapshot();
  REQUIRE(reports.count(0) == 1);
  CHECK(reports.at(0).fired == 1);
  CHECK_FALSE(reports.at(0).error);
}

TEST_CASE("sender: acks=0 writes everything and reports offset -1", "[sender]") {
  auto options = SenderHarness::quick_retries();
  options.acks = 0;
  options.idempotent = false;
  SenderHarness h(SenderHarness::small_batches(), options);
  h.broker.set_leader("t", 0, 1);
  h.start();
  auto sent = send_round_robin(h, "t", 1, 500);
  h.close(10s);
  REQUIRE(h.closed);
  const auto& log = h.broker.log("t", 0);
  CHECK(log.size() == sent.size());
  CHECK(h.broker.init_producer_id_requests == 0);
  for (const auto& [id, r] : h.snapshot()) {
    CHECK(r.fired == 1);
    CHECK_FALSE(r.error);
    CHECK(r.metadata.offset == -1);
  }
}

TEST_CASE("sender: without a leader, batches expire at delivery.timeout.ms with a report each", "[sender]") {
  auto acc = SenderHarness::small_batches();
  acc.delivery_timeout = 300ms;
  SenderHarness h(acc);
  h.broker.set_leader("t", 0, 1);  // partition 1 has no leader
  h.start();
  std::vector<SentRecord> sent;
  for (std::uint64_t id = 0; id < 200; ++id) {
    const std::int32_t p = static_cast<std::int32_t>(id % 2);
    REQUIRE_FALSE(h.send("t", p, value_of(id), id));
    sent.push_back({"t", p, id});
  }
  auto took = h.close(10s);
  REQUIRE(h.closed);
  CHECK(took < 10s);
  auto reports = h.snapshot();
  for (const auto& s : sent) {
    const auto& r = reports.at(s.id);
    CHECK(r.fired == 1);
    if (s.partition == 1) {
      CHECK(r.error == kwire::errc::delivery_timeout);
    } else {
      CHECK_FALSE(r.error);
    }
  }
  CHECK(h.broker.metadata_refreshes > 0);  // it kept asking for the missing leader
}

TEST_CASE("sender: close(timeout) fails what cannot be delivered, within its bound", "[sender]") {
  SenderHarness h;  // delivery.timeout.ms 30 s: only close ends these
  h.start();
  for (std::uint64_t id = 0; id < 50; ++id) REQUIRE_FALSE(h.send("nowhere", 0, value_of(id), id));
  auto took = h.close(200ms);
  REQUIRE(h.closed);
  CHECK(took < 3s);
  for (const auto& [id, r] : h.snapshot()) {
    CHECK(r.fired == 1);
    CHECK(r.error == kwire::errc::producer_closed);
  }
}

TEST_CASE("sender: a fatal partition error fails only its batch", "[sender]") {
  SenderHarness h;
  h.broker.set_leader("t", 0, 1);
  h.broker.push_partition_errors("t", 0, {10});  // MESSAGE_TOO_LARGE: not retriable
  h.start();
  REQUIRE_FALSE(h.send("t", 0, value_of(0), 0));
  h.accumulator.flush(std::chrono::steady_clock::now() + 10s);
  auto sent = send_round_robin(h, "t", 1, 100, 1);
  h.close(10s);
  REQUIRE(h.closed);
  auto reports = h.snapshot();
  CHECK(reports.at(0).fired == 1);
  CHECK(reports.at(0).error.value() == 10);
  auto summary = kwire::test::check_exactly_once_in_order(h, sent);
  CHECK(summary.acknowledged == sent.size());
  // The hole left by the failed batch was closed by an epoch bump.
  CHECK(h.sender.idempotence().epoch_bumps() == 1);
}
