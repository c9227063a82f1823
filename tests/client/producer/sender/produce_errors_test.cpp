// What a Produce error code means to the producer (classify_produce_error)
// and how long a retry backs off (RetryPolicy), tested directly: the sender
// and fault tests see these only through whole runs.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <initializer_list>

#include "kwire/protocol/kafka_errc.hpp"
#include "producer/sender/produce_errors.hpp"

using kwire::detail::classify_produce_error;
using kwire::detail::RetryPolicy;
using kwire::detail::SequenceError;
using kwire::protocol::kafka_errc;
using namespace std::chrono_literals;

namespace {

kwire::detail::ProduceErrorClass classify(kafka_errc code) {
  return classify_produce_error(static_cast<std::int16_t>(code));
}

// Every code of `codes` is a failure of `kind`, with or without a metadata refresh.
void check_failures(std::initializer_list<kafka_errc> codes, SequenceError kind, bool refresh) {
  for (kafka_errc code : codes) {
    INFO("error code " << static_cast<int>(code));
    const auto c = classify(code);
    CHECK_FALSE(c.success);
    CHECK(c.kind == kind);
    CHECK(c.refresh_metadata == refresh);
  }
}

RetryPolicy policy(std::chrono::milliseconds backoff, std::chrono::milliseconds backoff_max) {
  RetryPolicy p;
  p.backoff = backoff;
  p.backoff_max = backoff_max;
  return p;
}

}  // namespace

TEST_CASE("produce errors: NONE and DUPLICATE_SEQUENCE_NUMBER mean written") {
  for (kafka_errc code : {kafka_errc{0}, kafka_errc::duplicate_sequence_number}) {
    INFO("error code " << static_cast<int>(code));
    const auto c = classify(code);
    CHECK(c.success);
    CHECK_FALSE(c.refresh_metadata);
  }
}

TEST_CASE("produce errors: the sequence errors go to the idempotence state by kind") {
  check_failures({kafka_errc::out_of_order_sequence_number}, SequenceError::out_of_order_sequence, false);
  check_failures({kafka_errc::unknown_producer_id}, SequenceError::unknown_producer_id, false);
  // PRODUCER_FENCED is handled as INVALID_PRODUCER_EPOCH.
  check_failures({kafka_errc::invalid_producer_epoch, kafka_errc::producer_fenced},
                 SequenceError::invalid_producer_epoch, false);
}

TEST_CASE("produce errors: a moved leader or a changed topic is retried after a metadata refresh") {
  check_failures({kafka_errc::unknown_topic_or_partition, kafka_errc::leader_not_available,
                  kafka_errc::not_leader_or_follower, kafka_errc::kafka_storage_error, kafka_errc::fenced_leader_epoch,
                  kafka_errc::unknown_leader_epoch, kafka_errc::unknown_topic_id, kafka_errc::inconsistent_topic_id},
                 SequenceError::retriable, true);
}

TEST_CASE("produce errors: other retriable errors are retried where they are") {
  check_failures({kafka_errc::request_timed_out, kafka_errc::not_enough_replicas,
                  kafka_errc::not_enough_replicas_after_append, kafka_errc::corrupt_message},
                 SequenceError::retriable, false);
}

TEST_CASE("produce errors: errors a retry cannot fix fail the batch") {
  check_failures({kafka_errc::message_too_large, kafka_errc::invalid_record, kafka_errc::topic_authorization_failed,
                  kafka_errc::record_list_too_large},
                 SequenceError::fatal, false);
}

TEST_CASE("retry policy: retry.backoff.ms doubles per attempt up to retry.backoff.max.ms") {
  const RetryPolicy p = policy(100ms, 1000ms);
  // attempts 0 and 1 wait the backoff itself; 5 would be 1600 ms, capped.
  const std::chrono::milliseconds expected[] = {100ms, 100ms, 200ms, 400ms, 800ms, 1000ms};
  for (int attempts = 0; attempts < 6; ++attempts) CHECK(p.backoff_for(attempts) == expected[attempts]);
  CHECK(p.backoff_for(64) == 1000ms);  // no overflow however many attempts
}

TEST_CASE("retry policy: a maximum below the backoff leaves the backoff; zero stays zero") {
  CHECK(policy(500ms, 100ms).backoff_for(1) == 500ms);
  CHECK(policy(500ms, 100ms).backoff_for(4) == 500ms);
  CHECK(policy(0ms, 0ms).backoff_for(1) == 0ms);
  CHECK(policy(0ms, 0ms).backoff_for(10) == 0ms);
}
