// What becomes of a batch after its Produce answer (BatchOutcomes), tested
// directly on one batch and the idempotence state, without a sender or a
// broker: the verdict (done, retry, split; refresh metadata or not), the
// reports that fire, and the counters.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "delivery_recorder.hpp"
#include "kwire/errors.hpp"
#include "kwire/net/errors.hpp"
#include "kwire/protocol/errors.hpp"
#include "kwire/protocol/kafka_errc.hpp"
#include "producer/accumulator/producer_batch.hpp"
#include "producer/idempotence/idempotence_state.hpp"
#include "producer/sender/batch_outcomes.hpp"

using namespace kwire::detail;
using kwire::protocol::kafka_errc;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

struct Outcomes {
  explicit Outcomes(RetryPolicy policy = quick()) : outcomes(idempotence, policy) {
    idempotence.set_producer_id_and_epoch({7, 0});
  }

  static RetryPolicy quick() {
    RetryPolicy p;
    p.retries = 3;
    p.backoff = 10ms;
    p.backoff_max = 40ms;
    return p;
  }

  // A batch of `records` records (ids from `first_id`) to partition t/0, made
  // now with a delivery timeout of `timeout`, sent once.
  BatchPtr sent_batch(int records, std::uint64_t first_id, Clock::duration timeout = 10s, std::int32_t partition = 0) {
    ProducerBatch::Options o;
    o.created = now;
    o.delivery_timeout = timeout;
    auto batch = std::make_unique<ProducerBatch>("t", partition, std::vector<std::uint8_t>{}, o, nullptr);
    for (int i = 0; i < records; ++i) {
      DeliveryEntry e;
      e.handler = reports.handler();
      e.user_id = first_id + static_cast<std::uint64_t>(i);
      const std::string value = "v" + std::to_string(e.user_id);
      REQUIRE(batch->try_append(1000 + i, std::nullopt, kwire::protocol::as_bytes(value), {}, e));
    }
    REQUIRE(idempotence.can_send("t", partition, batch.get()));
    idempotence.on_send("t", partition, batch.get(), batch->record_count());
    return batch;
  }

  static BatchOutcomes::PartitionResponse answer(kafka_errc code, std::int64_t base_offset = -1) {
    BatchOutcomes::PartitionResponse r;
    r.index = 0;
    r.error_code = static_cast<std::int16_t>(code);
    r.base_offset = base_offset;
    return r;
  }

  // Every one of `records` records reported once, failed with `code`.
  void check_all_failed(std::size_t records, kafka_errc code) const {
    const auto got = reports.snapshot();
    REQUIRE(got.size() == records);
    for (const auto& [id, report] : got) {
      INFO("record " << id);
      CHECK(report.fired == 1);
      CHECK(report.error == kwire::protocol::kafka_error(static_cast<std::int16_t>(code)));
    }
  }

  kwire::test::DeliveryRecorder reports;
  IdempotenceState idempotence{true};
  BatchOutcomes outcomes;
  Clock::time_point now = Clock::now();
};

}  // namespace

TEST_CASE("batch outcomes: an acknowledged batch reports every record at its offset") {
  Outcomes o;
  BatchPtr batch = o.sent_batch(3, 0);
  const auto ack = Outcomes::answer(kafka_errc{0}, 42);
  const Verdict v = o.outcomes.on_partition_response(*batch, &ack, o.now);
  CHECK(v.next == NextStep::done);
  CHECK_FALSE(v.refresh_metadata);
  const auto got = o.reports.snapshot();
  REQUIRE(got.size() == 3);
  for (std::uint64_t id = 0; id < 3; ++id) {
    CHECK(got.at(id).fired == 1);
    CHECK_FALSE(got.at(id).error);
    CHECK(got.at(id).metadata.offset == 42 + static_cast<std::int64_t>(id));
  }
  CHECK(o.outcomes.counters().acknowledged == 1);
}

TEST_CASE("batch outcomes: DUPLICATE_SEQUENCE_NUMBER is written by an earlier try, counted as a duplicate") {
  Outcomes o;
  BatchPtr batch = o.sent_batch(1, 0);
  const auto dup = Outcomes::answer(kafka_errc::duplicate_sequence_number, -1);
  CHECK(o.outcomes.on_partition_response(*batch, &dup, o.now).next == NextStep::done);
  const auto got = o.reports.snapshot();
  CHECK(got.at(0).fired == 1);
  CHECK_FALSE(got.at(0).error);
  CHECK(o.outcomes.counters().duplicates == 1);
  CHECK(o.outcomes.counters().acknowledged == 0);
}

TEST_CASE("batch outcomes: a retriable error retries after a backoff; a moved leader also refreshes metadata") {
  const std::pair<kafka_errc, bool> retriable[] = {{kafka_errc::not_leader_or_follower, true},
                                                   {kafka_errc::not_enough_replicas, false}};
  for (const auto& [code, refresh] : retriable) {
    INFO("error code " << static_cast<int>(code));
    Outcomes o;
    BatchPtr batch = o.sent_batch(2, 0);
    const auto answer = Outcomes::answer(code);
    const Verdict v = o.outcomes.on_partition_response(*batch, &answer, o.now);
    CHECK(v.next == NextStep::retry);
    CHECK(v.refresh_metadata == refresh);
    CHECK(batch->attempts() == 1);
    CHECK(batch->retry_not_before() == o.now + 10ms);
    CHECK(o.reports.reported() == 0);  // nothing reported yet
    CHECK(o.outcomes.counters().retries == 1);
  }
}

TEST_CASE("batch outcomes: an answer that leaves the partition out is retried with a refresh") {
  Outcomes o;
  BatchPtr batch = o.sent_batch(1, 0);
  const Verdict v = o.outcomes.on_partition_response(*batch, nullptr, o.now);
  CHECK(v.next == NextStep::retry);
  CHECK(v.refresh_metadata);
}

TEST_CASE("batch outcomes: the backoff doubles per attempt; past retries the batch fails with the broker's error") {
  Outcomes o;
  BatchPtr batch = o.sent_batch(1, 0);
  const auto replicas = Outcomes::answer(kafka_errc::not_enough_replicas);
  const Clock::duration expected[] = {10ms, 20ms, 40ms};
  for (const Clock::duration backoff : expected) {
    REQUIRE(o.outcomes.on_partition_response(*batch, &replicas, o.now).next == NextStep::retry);
    CHECK(batch->retry_not_before() == o.now + backoff);
    REQUIRE(o.idempotence.can_send("t", 0, batch.get()));
    o.idempotence.on_send("t", 0, batch.get(), batch->record_count());
  }
  CHECK(o.outcomes.on_partition_response(*batch, &replicas, o.now).next == NextStep::done);
  const auto got = o.reports.snapshot();
  CHECK(got.at(0).fired == 1);
  CHECK(got.at(0).error == kwire::protocol::kafka_error(static_cast<std::int16_t>(kafka_errc::not_enough_replicas)));
  CHECK(o.outcomes.counters().retries == 3);
  CHECK(o.outcomes.counters().failed == 1);
}

TEST_CASE("batch outcomes: a retry that would end past delivery.timeout.ms expires the batch now") {
  Outcomes o;
  BatchPtr batch = o.sent_batch(1, 0, 5ms);  // the 10 ms backoff ends after the deadline
  const auto replicas = Outcomes::answer(kafka_errc::not_enough_replicas);
  CHECK(o.outcomes.on_partition_response(*batch, &replicas, o.now).next == NextStep::done);
  CHECK(o.reports.snapshot().at(0).error == kwire::errc::delivery_timeout);
  CHECK(o.outcomes.counters().expired == 1);
  CHECK(o.outcomes.counters().retries == 0);
}

TEST_CASE("batch outcomes: a refused batch of several records is split; a single record fails") {
  Outcomes o;
  const auto too_large = Outcomes::answer(kafka_errc::message_too_large);
  BatchPtr several = o.sent_batch(2, 0);
  const Verdict split = o.outcomes.on_partition_response(*several, &too_large, o.now);
  CHECK(split.next == NextStep::split);
  CHECK(o.reports.reported() == 0);  // the records go on in the parts

  Outcomes single_o;
  BatchPtr single = single_o.sent_batch(1, 10);
  CHECK(single_o.outcomes.on_partition_response(*single, &too_large, single_o.now).next == NextStep::done);
  CHECK(single_o.reports.snapshot().at(10).error ==
        kwire::protocol::kafka_error(static_cast<std::int16_t>(kafka_errc::message_too_large)));
  CHECK(single_o.outcomes.counters().failed == 1);
}

TEST_CASE("batch outcomes: a split that made no parts fails or retries as the broker's error says") {
  Outcomes o;
  BatchPtr batch = o.sent_batch(2, 0);
  const auto too_large = Outcomes::answer(kafka_errc::message_too_large);
  REQUIRE(o.outcomes.on_partition_response(*batch, &too_large, o.now).next == NextStep::split);
  CHECK(o.outcomes.on_split(*batch, {}, too_large, o.now).next == NextStep::done);
  o.check_all_failed(2, kafka_errc::message_too_large);
  CHECK(o.outcomes.counters().splits == 0);
}

TEST_CASE("batch outcomes: record errors (Produce v8+) fail the batch at once, without a retry") {
  Outcomes o;
  BatchPtr batch = o.sent_batch(2, 0);
  auto invalid = Outcomes::answer(kafka_errc::invalid_record);
  invalid.record_errors.emplace_back();
  invalid.record_errors.back().batch_index = 1;
  const Verdict v = o.outcomes.on_partition_response(*batch, &invalid, o.now);
  CHECK(v.next == NextStep::done);
  o.check_all_failed(2, kafka_errc::invalid_record);
  CHECK(o.outcomes.counters().failed == 1);
  CHECK(o.outcomes.counters().retries == 0);
}

TEST_CASE("batch outcomes: a request lost on the network after its write is retried with a refresh") {
  Outcomes o;
  BatchPtr batch = o.sent_batch(1, 0);
  const Verdict v = o.outcomes.on_request_failed(*batch, kwire::net::net_errc::connection_closed, true, o.now);
  CHECK(v.next == NextStep::retry);
  CHECK(v.refresh_metadata);
  CHECK(o.reports.reported() == 0);
}

TEST_CASE("batch outcomes: acks=0, expiry and abandonment each report once") {
  Outcomes o;
  BatchPtr written = o.sent_batch(1, 0);
  o.outcomes.on_written_without_ack(*written);
  BatchPtr expired = o.sent_batch(1, 1, 10s, 1);  // partitions of their own: an expired
  // batch leaves its partition waiting for a new epoch
  o.outcomes.on_expired(*expired);
  BatchPtr abandoned = o.sent_batch(1, 2, 10s, 2);
  o.outcomes.on_abandoned(*abandoned, kwire::errc::producer_closed);
  const auto got = o.reports.snapshot();
  REQUIRE(got.size() == 3);
  CHECK_FALSE(got.at(0).error);
  CHECK(got.at(0).metadata.offset == -1);
  CHECK(got.at(1).error == kwire::errc::delivery_timeout);
  CHECK(got.at(2).error == kwire::errc::producer_closed);
  for (const auto& [id, report] : got) CHECK(report.fired == 1);
  CHECK(o.outcomes.counters().acknowledged == 1);
  CHECK(o.outcomes.counters().expired == 1);
  CHECK(o.outcomes.counters().failed == 1);
}

TEST_CASE("batch outcomes: find() picks the batch's partition out of a response") {
  kwire::protocol::messages::ProduceResponse response;
  response.responses.resize(2);
  response.responses[0].name = "a";
  response.responses[0].partition_responses.resize(1);
  response.responses[0].partition_responses[0].index = 0;
  response.responses[1].name = "t";
  response.responses[1].partition_responses.resize(2);
  response.responses[1].partition_responses[0].index = 3;
  response.responses[1].partition_responses[1].index = 0;
  response.responses[1].partition_responses[1].base_offset = 9;
  const auto* found = BatchOutcomes::find(response, "t", 0);
  REQUIRE(found != nullptr);
  CHECK(found->base_offset == 9);
  CHECK(BatchOutcomes::find(response, "t", 1) == nullptr);
  CHECK(BatchOutcomes::find(response, "b", 0) == nullptr);
}
