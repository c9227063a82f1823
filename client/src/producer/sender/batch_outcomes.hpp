// What becomes of a batch once its Produce request is answered (or failed at
// the transport, or was written with acks=0, or expired): the decision, with
// the idempotence state (IdempotenceState) kept in step. A batch is completed
// here, or the verdict tells the sender to queue it again for a retry (after
// a backoff) or to split it (several records refused as too large:
// MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE) and to look up its leader again.
// The sender acts on the verdict next to the loop that sent the batch; what
// an error code means is decided in produce_errors.hpp.
// io thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string_view>
#include <system_error>

#include "kwire/protocol/messages/produce_response.hpp"
#include "producer/accumulator/producer_batch.hpp"
#include "producer/idempotence/idempotence_state.hpp"
#include "producer/sender/produce_errors.hpp"

namespace kwire::detail {

// Counters, for tests and logging.
struct ProduceOutcomeCounters {
  std::uint64_t acknowledged = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t retries = 0;
  std::uint64_t failed = 0;
  std::uint64_t expired = 0;
  std::uint64_t splits = 0;  // refused batches split into smaller ones
  std::uint64_t purged = 0;  // batches dropped by Producer::purge
};

// What the sender does with the batch next.
enum class NextStep : std::uint8_t {
  done,   // completed: reported, or its records went on in the parts of a split
  retry,  // counted and backed off: queue it again (RecordAccumulator::reenqueue)
  split,  // refused as too large: split it, then tell on_split() the parts
};

struct Verdict {
  NextStep next = NextStep::done;
  bool refresh_metadata = false;  // the leader may have moved or the topic changed
};

// The outcome class a failed batch reports, from what is known of its write.
DeliveryOutcome outcome_of(WriteState state) noexcept;

class BatchOutcomes {
 public:
  using Clock = std::chrono::steady_clock;
  using PartitionResponse = protocol::messages::ProduceResponse::TopicProduceResponse::PartitionProduceResponse;

  BatchOutcomes(IdempotenceState& idempotence, RetryPolicy policy) : idempotence_(idempotence), policy_(policy) {}

  // The broker answered for the batch's partition (nullptr: the answer left
  // the partition out, which is treated as a retriable failure).
  Verdict on_partition_response(ProducerBatch& batch, const PartitionResponse* response, Clock::time_point now);
  // After NextStep::split: the parts made of the refused batch, in order, or
  // none when it could not be split (it then fails or retries with the
  // broker's error, as any other batch).
  Verdict on_split(ProducerBatch& refused, std::span<const BatchPtr> parts, const PartitionResponse& response,
                   Clock::time_point now);
  // The request got no usable answer: a lost connection or timeout, and
  // also a frame that breaks the stream (wrong correlation id, giant length,
  // half a frame) or a body that does not decode. `written`: the request
  // left the client. Once written, its outcome is unknown whatever the
  // error, so the batch is retried with the same sequence (the broker
  // answers a written one as a duplicate); never written, it is retried if
  // the error is one a retry may cure, else it fails as never sent.
  Verdict on_request_failed(ProducerBatch& batch, std::error_code error, bool written, Clock::time_point now);
  // acks=0: the request was written; no offset is known.
  void on_written_without_ack(ProducerBatch& batch);
  // The batch's delivery.timeout.ms passed before it could be (re)sent.
  void on_expired(ProducerBatch& batch);
  // The producer gives up on the batch (close). `attempt_written`: an
  // attempt in flight when it was given up had left the client.
  void on_abandoned(ProducerBatch& batch, std::error_code error, bool attempt_written = false);
  // Producer::purge dropped the batch while it was queued here: never sent
  // (errc::purged_queue), or sent and awaiting a retry (errc::purged_in_flight).
  void on_purged(ProducerBatch& batch);

  const ProduceOutcomeCounters& counters() const noexcept { return counters_; }

  // Finds a partition's entry in a response.
  static const PartitionResponse* find(const protocol::messages::ProduceResponse& response, std::string_view topic,
                                       std::int32_t partition) noexcept;

 private:
  // The part of on_partition_response after a split was ruled out.
  Verdict on_refused(ProducerBatch& batch, const PartitionResponse& response, Clock::time_point now);
  NextStep retry_or_fail(ProducerBatch& batch, ErrorDecision decision, std::error_code error,
                         Clock::time_point now);
  void fail(ProducerBatch& batch, std::error_code error, WriteState state);

  IdempotenceState& idempotence_;
  RetryPolicy policy_;
  ProduceOutcomeCounters counters_;
};

}  // namespace kwire::detail
