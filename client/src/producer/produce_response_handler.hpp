// What the sender does with each batch once its Produce request is answered
// (or failed at the transport, or was written with acks=0): complete it, or
// give it back to the accumulator for a retry after a backoff, keeping the
// idempotence state (TransactionManager) in step. A batch of several records
// refused as too large (MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE) is split in
// halves that go back in its place (set_splitter). Also classifies Kafka
// error codes for the producer: retriable or fatal, and whether the
// partition's leader must be looked up again.
// io thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>
#include <system_error>

#include "kwire/protocol/messages/produce_response.hpp"
#include "producer/producer_batch.hpp"
#include "producer/record_accumulator.hpp"
#include "producer/transaction_manager.hpp"

namespace kwire::detail {

struct ProduceErrorClass {
  bool success = false;           // NONE, or DUPLICATE_SEQUENCE_NUMBER (written by an earlier try)
  SequenceError kind = SequenceError::fatal;
  bool refresh_metadata = false;  // the leader may have moved, or the topic changed
};
ProduceErrorClass classify_produce_error(std::int16_t error_code) noexcept;

struct RetryPolicy {
  std::int32_t retries = 2147483647;
  std::chrono::milliseconds backoff{100};
  std::chrono::milliseconds backoff_max{1000};
  // retry.backoff.ms doubling per attempt up to retry.backoff.max.ms (KIP-580, without jitter).
  std::chrono::milliseconds backoff_for(int attempts) const noexcept;
};

// Counters, for tests and logging.
struct ProduceOutcomeCounters {
  std::uint64_t acknowledged = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t retries = 0;
  std::uint64_t failed = 0;
  std::uint64_t expired = 0;
  std::uint64_t splits = 0;  // refused batches split into smaller ones
};

class ProduceResponseHandler {
 public:
  using Clock = std::chrono::steady_clock;
  using PartitionResponse = protocol::messages::ProduceResponse::TopicProduceResponse::PartitionProduceResponse;
  using Requeue = std::function<void(BatchPtr)>;
  using RefreshMetadata = std::function<void(std::string_view topic)>;

  ProduceResponseHandler(TransactionManager& transactions, RetryPolicy policy, Requeue requeue,
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

  TransactionManager& transactions_;
  RetryPolicy policy_;
  Requeue requeue_;
  RefreshMetadata refresh_metadata_;
  ProduceOutcomeCounters counters_;
  RecordAccumulator* splitter_ = nullptr;
};

}  // namespace kwire::detail
