// Splitting batches the broker refuses as too large (MESSAGE_TOO_LARGE,
// RECORD_LIST_TOO_LARGE), against the in-process broker with Kafka's
// idempotence checks (sender_fake_broker.hpp): a refused batch of several
// records comes back as halves in its place with its sequence range reused
// (a gap or an overlap would be refused by the broker's sequence checks and
// show up as failures or violations), every record ends up in the log once
// and in order, and every report fires once. A single record that is too
// large fails alone.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "kwire/protocol/errors.hpp"
#include "sender_checks.hpp"

using namespace std::chrono_literals;
using kwire::test::SenderHarness;
using kwire::test::SentRecord;

namespace {

constexpr std::int16_t kMessageTooLarge = 10;
constexpr std::int16_t kRecordListTooLarge = 18;

kwire::detail::AccumulatorOptions batching_options() {
  auto o = SenderHarness::small_batches();
  o.batch_size = 4096;
  o.linger = 300ms;  // every record below is appended long before: full batches
  return o;
}

std::vector<SentRecord> send_range(SenderHarness& h, std::int32_t partition, std::uint64_t from, std::uint64_t to) {
  std::vector<SentRecord> sent;
  for (std::uint64_t id = from; id < to; ++id) {
    REQUIRE_FALSE(h.send("t", partition, kwire::test::value_of(id), id));
    sent.push_back({"t", partition, id});
  }
  return sent;
}

}  // namespace

TEST_CASE("split: refused batches are split in place with their sequences reused", "[split][idempotence]") {
  // One request at a time: the broker sees every sequence in order, so any
  // gap or overlap in the parts' sequences would be refused (and force an
  // epoch bump); none may happen, and the partition's next sequence ends at
  // exactly the number of records.
  auto sender_options = SenderHarness::quick_retries();
  sender_options.max_in_flight_per_connection = 1;
  SenderHarness h(batching_options(), sender_options);
  h.broker.set_leader("t", 0, 1);
  // The first batch is refused, then its first half, then (RECORD_LIST_TOO_LARGE) the next attempt.
  h.broker.push_partition_errors("t", 0, {kMessageTooLarge, kMessageTooLarge, kRecordListTooLarge});
  h.start();
  auto sent = send_range(h, 0, 0, 600);
  h.close(20s);
  REQUIRE(h.closed);
  auto summary = kwire::test::check_exactly_once_in_order(h, sent);
  INFO("first failure: " << summary.first_error);
  CHECK(summary.acknowledged == sent.size());
  CHECK(h.sender.counters().splits == 3);
  CHECK(h.broker.log("t", 0).size() == 600);
  CHECK(h.sender.idempotence().epoch_bumps() == 0);
  CHECK(h.sender.idempotence().next_sequence("t", 0) == 600);
}

TEST_CASE("split: with several batches in flight, refused ones are split and nothing is lost or reordered",
          "[split][idempotence]") {
  SenderHarness h(batching_options());
  h.broker.set_leader("t", 0, 1);
  h.broker.set_leader("t", 1, 1);
  h.start();
  // Each partition's first record is acknowledged before the rest, so the
  // broker holds the producer's state: without it, it would take a later
  // batch as the first (KAFKA-PRODUCER-STATE.md) and a refused earlier one
  // could only fail.
  auto sent = send_range(h, 0, 0, 1);
  auto more = send_range(h, 1, 600, 601);
  sent.insert(sent.end(), more.begin(), more.end());
  REQUIRE(h.reports.wait(2));
  // Whichever batches of partition 0 are in flight when these come: each is
  // split in place; the others get sequence errors and are retried behind it.
  h.on_io([&] { h.broker.push_partition_errors("t", 0, {kMessageTooLarge, kMessageTooLarge, kRecordListTooLarge}); });
  more = send_range(h, 0, 1, 600);
  sent.insert(sent.end(), more.begin(), more.end());
  more = send_range(h, 1, 601, 900);
  sent.insert(sent.end(), more.begin(), more.end());
  h.close(20s);
  REQUIRE(h.closed);
  auto summary = kwire::test::check_exactly_once_in_order(h, sent);
  INFO("first failure: " << summary.first_error);
  CHECK(summary.acknowledged == sent.size());
  CHECK(h.sender.counters().splits == 3);
  CHECK(h.broker.log("t", 0).size() == 600);
  CHECK(h.broker.log("t", 1).size() == 300);
}

TEST_CASE("split: without idempotence the parts keep their order too", "[split]") {
  auto sender_options = SenderHarness::quick_retries();
  sender_options.idempotent = false;
  sender_options.max_in_flight_per_connection = 1;
  SenderHarness h(batching_options(), sender_options);
  h.broker.set_leader("t", 0, 1);
  h.broker.push_partition_errors("t", 0, {kMessageTooLarge, kMessageTooLarge});
  h.start();
  auto sent = send_range(h, 0, 0, 400);
  h.close(20s);
  REQUIRE(h.closed);
  auto summary = kwire::test::check_exactly_once_in_order(h, sent);
  CHECK(summary.acknowledged == sent.size());
  CHECK(h.sender.counters().splits == 2);
}

TEST_CASE("split: a single record too large fails alone with MESSAGE_TOO_LARGE", "[split][idempotence]") {
  SenderHarness h;  // linger 1 ms: the first record goes alone
  h.broker.set_leader("t", 0, 1);
  h.broker.push_partition_errors("t", 0, {kMessageTooLarge});
  h.start();
  auto sent = send_range(h, 0, 0, 1);
  REQUIRE(h.reports.wait_reported(0, 10s));
  auto more = send_range(h, 0, 1, 200);
  sent.insert(sent.end(), more.begin(), more.end());
  h.close(20s);
  REQUIRE(h.closed);
  auto summary = kwire::test::check_exactly_once_in_order(h, sent);
  CHECK(summary.failed == 1);
  CHECK(summary.acknowledged == 199);
  CHECK(h.snapshot()[0].error == kwire::protocol::kafka_error(kMessageTooLarge));
  CHECK(h.sender.counters().splits == 0);
}
