// The sender under faults, against the in-process broker with Kafka's
// idempotence checks: retriable partition errors, lost responses after a
// write (idempotence must deduplicate), lost connections, leader moves,
// OUT_OF_ORDER_SEQUENCE_NUMBER and a broker that forgot the producer
// (UNKNOWN_PRODUCER_ID before Kafka 2.5, any sequence taken since). Afterwards nothing is lost, duplicated or reordered
// and every report fired exactly once.
#include <catch2/catch.hpp>

#include "kafka_codes.hpp"
#include "kwire/errors.hpp"
#include "sender_checks.hpp"

using namespace std::chrono_literals;
using kwire::test::FakeBroker;
using kwire::test::SenderHarness;
using kwire::test::SentRecord;
using kwire::test::value_of;

namespace codes = kwire::test::codes;

namespace {


// Sends `count` records over `partitions` partitions in `waves`, running
// `fault` on the io thread between waves so faults hit requests in flight.
// First one record per partition is acknowledged, so the broker holds the
// producer's state everywhere before any fault: without it, a broker takes
// any sequence as a producer's first batch (KAFKA-PRODUCER-STATE.md), and a
// first batch refused while a later one was taken can only fail, never go
// after it (tests/fuzz/sender_faults_fuzz.cpp covers that case).
template <typename Fault>
std::vector<SentRecord> send_with_faults(SenderHarness& h, int partitions, int count, int waves, Fault fault) {
  std::vector<SentRecord> sent;
  std::uint64_t id = 0;
  for (; id < static_cast<std::uint64_t>(partitions); ++id) {
    REQUIRE_FALSE(h.send("t", static_cast<std::int32_t>(id), value_of(id), id));
    sent.push_back({"t", static_cast<std::int32_t>(id), id});
  }
  REQUIRE(h.reports.wait(sent.size()));
  for (int w = 0; w < waves; ++w) {
    for (int i = 0; i < count / waves; ++i, ++id) {
      const std::int32_t p = static_cast<std::int32_t>(id % static_cast<std::uint64_t>(partitions));
      REQUIRE_FALSE(h.send("t", p, value_of(id), id));
      sent.push_back({"t", p, id});
    }
    h.on_io([&] { fault(w); });
  }
  return sent;
}

void lead_all(SenderHarness& h, int partitions, std::int32_t broker) {
  for (int p = 0; p < partitions; ++p) h.broker.set_leader("t", p, broker);
}

}  // namespace

TEST_CASE("fault: retriable partition errors are retried without loss, duplicates or reordering", "[fault]") {
  SenderHarness h;
  lead_all(h, 2, 1);
  h.start();
  auto sent = send_with_faults(h, 2, 2000, 10, [&](int w) {
    const std::int16_t refusals[] = {codes::kNotLeaderOrFollower, codes::kRequestTimedOut, codes::kNotEnoughReplicas};
    h.broker.push_partition_errors("t", w % 2, {refusals[w % 3], refusals[(w + 1) % 3]});
  });
  h.close(20s);
  REQUIRE(h.closed);
  auto summary = kwire::test::check_exactly_once_in_order(h, sent);
  INFO("first failure: " << summary.first_error);
  CHECK(summary.acknowledged == sent.size());
  CHECK(h.sender.counters().retries >= 10);
  CHECK(h.broker.metadata_refreshes > 0);  // NOT_LEADER_OR_FOLLOWER asks for metadata
}

// Lost acknowledgements of written batches: the retries must be recognised as
// duplicates (new batches wait behind a retry, so it stays inside the broker's
// 5-batch window), and nothing may be written twice or reported twice.
TEST_CASE("fault: responses lost after the write are retried and deduplicated", "[fault][idempotence]") {
  SenderHarness h;
  lead_all(h, 3, 1);
  h.start();
  auto sent = send_with_faults(h, 3, 3000, 10, [&](int) {
    h.broker.push_request_faults({FakeBroker::RequestFault::lose_response_after_write,
                                  FakeBroker::RequestFault::none,
                                  FakeBroker::RequestFault::lose_response_after_write});
  });
  h.close(20s);
  REQUIRE(h.closed);
  auto summary = kwire::test::check_exactly_once_in_order(h, sent);
  INFO("first failure: " << summary.first_error << " retries " << h.sender.counters().retries << " failed "
                           << h.sender.counters().failed << " dups " << h.broker.duplicates_answered << " bumps "
                           << h.sender.idempotence().epoch_bumps() << " requests " << h.broker.produce_requests << " ok " << h.broker.answered[0] << " oosn "
                           << h.broker.answered[45]);
  CHECK(summary.acknowledged == sent.size());
  // The retries really were duplicates the broker recognised.
  CHECK(h.broker.duplicates_answered > 0);
}

TEST_CASE("fault: lost connections with requests in flight", "[fault]") {
  SenderHarness h;
  lead_all(h, 2, 1);
  h.start();
  auto sent = send_with_faults(h, 2, 2000, 10, [&](int) {
    h.broker.push_request_faults({FakeBroker::RequestFault::lose_connection, FakeBroker::RequestFault::lose_connection});
  });
  h.close(20s);
  REQUIRE(h.closed);
  auto summary = kwire::test::check_exactly_once_in_order(h, sent);
  INFO("first failure: " << summary.first_error);
  CHECK(summary.acknowledged == sent.size());
}

TEST_CASE("fault: a leader moved to another broker", "[fault]") {
  SenderHarness h;
  lead_all(h, 2, 1);
  h.start();
  auto sent = send_with_faults(h, 2, 2000, 8, [&](int w) { lead_all(h, 2, 1 + (w + 1) % 2); });
  h.close(20s);
  REQUIRE(h.closed);
  auto summary = kwire::test::check_exactly_once_in_order(h, sent);
  INFO("first failure: " << summary.first_error);
  CHECK(summary.acknowledged == sent.size());
}

TEST_CASE("fault: OUT_OF_ORDER_SEQUENCE_NUMBER bumps the epoch and loses nothing", "[fault][idempotence]") {
  SenderHarness h;
  lead_all(h, 2, 1);
  h.start();
  auto sent = send_with_faults(h, 2, 2000, 5, [&](int w) {
    h.broker.push_partition_errors("t", w % 2, {codes::kOutOfOrderSequence});
  });
  h.close(20s);
  REQUIRE(h.closed);
  auto summary = kwire::test::check_exactly_once_in_order(h, sent);
  INFO("first failure: " << summary.first_error);
  CHECK(summary.acknowledged == sent.size());
  CHECK(h.sender.idempotence().epoch_bumps() >= 1);
}

// Brokers before Kafka 2.5 answer UNKNOWN_PRODUCER_ID to a producer they hold
// no state for; since then they take its next batch whatever its sequence
// (KAFKA-PRODUCER-STATE.md).
TEST_CASE("fault: a broker that lost the producer's state (UNKNOWN_PRODUCER_ID)", "[fault][idempotence]") {
  const bool before_2_5 = GENERATE(true, false);
  INFO("broker before Kafka 2.5: " << before_2_5);
  SenderHarness h;
  h.broker.unknown_producer_id_for_lost_state = before_2_5;
  lead_all(h, 2, 1);
  h.start();
  auto sent = send_with_faults(h, 2, 2000, 5, [&](int) { h.broker.forget_producers(); });
  h.close(20s);
  REQUIRE(h.closed);
  auto summary = kwire::test::check_exactly_once_in_order(h, sent);
  INFO("first failure: " << summary.first_error);
  CHECK(summary.acknowledged == sent.size());
  CHECK((h.broker.answered[59] > 0) == before_2_5);
}

// Found by tests/fuzz/sender_faults_fuzz.cpp: an answer with an error that
// may follow an append (KAFKA_STORAGE_ERROR), handled after close(timeout)
// gave up, reported its batch as never sent, though it was in the log.
TEST_CASE("fault: an append error answered after close gave up reports the batch possibly written",
          "[fault][idempotence]") {
  SenderHarness h;
  lead_all(h, 1, 1);
  h.start();
  h.on_io([&] {
    h.broker.push_partition_errors("t", 0, {56}, FakeBroker::ErrorTiming::after_append);
    h.broker.hold_answers = true;  // until close gives up (cancel_all)
  });
  REQUIRE_FALSE(h.send("t", 0, value_of(0), 0));
  h.close(50ms);
  REQUIRE(h.closed);
  REQUIRE(h.broker.log("t", 0).size() == 1);
  const auto report = h.snapshot().at(0);
  CHECK(report.fired == 1);
  CHECK(report.error == kwire::errc::producer_closed);
  CHECK(report.metadata.outcome == kwire::DeliveryOutcome::possibly_written);
}
