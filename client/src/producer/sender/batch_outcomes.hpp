// What the sender does with each batch once its Produce request is answered
// (or failed at the transport, or was written with acks=0): complete it, or
// give it back to the accumulator for a retry after a backoff, keeping the
// idempotence state (IdempotenceState) in step. A batch of several records
// refused as too large (MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE) is split in
// halves that go back in its place (set_splitter). What an error code means
// is decided in produce_errors.hpp.
// io thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>
#include <system_error>

#include "kwire/protocol/messages/produce_response.hpp"
#include "producer/accumulator/producer_batch.hpp"
#include "producer/accumulator/record_accumulator.hpp"
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
};

class BatchOutcomes {
 public:
  using Clock = std::chrono::steady_clock;
  using PartitionResponse = protocol::messages::ProduceResponse::TopicProduceResponse::PartitionProduceResponse;
  using Requeue = std::function<void(BatchPtr)>;
  using RefreshMetadata = std::function<void(std::string_view topic)>;

  BatchOutcomes(IdempotenceState& idempotence, RetryPolicy policy, Requeue requeue,
                RefreshMetadata refresh_metadata);

  // The broker answered for the batch's partition (nullptr: the answer left
  // the partition out, which is treated as a retriable failure).
  void on_partition_response(BatchPtr batch, const PartitionResponse* response, Clock::time_point now);
  // The request got no usable answer (timeout, lost connection, ...).
  void on_request_failed(BatchPtr batch, std::error_code error, Clock::time_point now);
  // acks=0: the request was written; no offset is known.
  void on_written_without_ack(BatchPtr batch);
  // The batch's delivery.timeout.ms passed before it could be (re)sent.
  void on_expired(BatchPtr batch);
  // The producer gives up on the batch (close).
  void on_abandoned(BatchPtr batch, std::error_code error);

  const ProduceOutcomeCounters& counters() const noexcept { return counters_; }
  // Where split batches are made and queued; without it a refused batch fails.
  void set_splitter(RecordAccumulator* accumulator) noexcept { splitter_ = accumulator; }

  // Finds a partition's entry in a response.
  static const PartitionResponse* find(const protocol::messages::ProduceResponse& response, std::string_view topic,
                                       std::int32_t partition) noexcept;

 private:
  void retry_or_fail(BatchPtr batch, ErrorAction action, std::error_code error, Clock::time_point now);
  void fail(BatchPtr batch, std::error_code error);
  // Splits a too-large batch and queues the parts; false (batch untouched) when it cannot.
  bool split(BatchPtr& batch);

  IdempotenceState& idempotence_;
  RetryPolicy policy_;
  Requeue requeue_;
  RefreshMetadata refresh_metadata_;
  ProduceOutcomeCounters counters_;
  RecordAccumulator* splitter_ = nullptr;
};

}  // namespace kwire::detail
