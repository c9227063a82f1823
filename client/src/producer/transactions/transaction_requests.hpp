// The io-thread half of a transactional producer: talks to the transaction
// coordinator (InitProducerId with the transactional id and
// transaction.timeout.ms, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn) and to
// the group coordinator (TxnOffsetCommit). The sender pulls from it (it never
// calls the sender): each round the producer id to adopt and the queued
// batches to fail, and in the drain whether a partition's batches may go
// (only once AddPartitionsToTxn added the partition to the current
// transaction). It reads the sender's idempotence state and outcome counters
// and wakes the sender through the accumulator. Errors are sorted into fatal
// (fenced, not authorized: TransactionalState::set_fatal, queued records fail
// with the error) and abortable (the user must abort).
// Threads: every member on the producer's io_context thread.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "cluster/coordinator_client.hpp"
#include "cluster/topic_partition_key.hpp"
#include "kwire/producer.hpp"
#include "producer/accumulator/record_accumulator.hpp"
#include "producer/idempotence/idempotence_state.hpp"
#include "producer/sender/batch_outcomes.hpp"
#include "producer/transactions/transactional_state.hpp"

namespace kwire::detail {

struct TransactionSettings {
  std::string transactional_id;
  std::chrono::milliseconds transaction_timeout{60000};
  std::chrono::milliseconds retry_backoff{100};
};

// Errors after which the producer can do nothing more (Java's fatal errors).
bool is_fatal_transaction_error(std::error_code ec) noexcept;

class TransactionRequests {
 public:
  using Clock = std::chrono::steady_clock;

  // `idempotence` and `counters` are the sender's (read only).
  TransactionRequests(asio::any_io_executor executor, std::shared_ptr<net::ConnectionPool> pool,
                      RecordAccumulator& accumulator, const IdempotenceState& idempotence,
                      const ProduceOutcomeCounters& counters, TransactionalState& state,
                      TransactionSettings settings);

  // ---- What the sender pulls ----
  // Whether a partition's batches may go: true once the partition is part of
  // the current transaction; otherwise asks the coordinator to add it (the
  // sender is woken when it is) and returns false. While aborting, a batch
  // it sees (one back for a retry) makes the queued batches fail.
  bool may_send(std::string_view topic, std::int32_t partition);
  // A producer id and epoch from InitProducerId the sender has not taken yet.
  std::optional<ProducerIdAndEpoch> take_producer_id() { return std::exchange(new_producer_id_, std::nullopt); }
  // The error the queued batches must fail with, once: the transaction
  // turned fatal, or is being aborted (dropped if the abort is over).
  std::optional<std::error_code> take_queued_failure();

  // Called when the transaction turns abortable or fatal.
  void on_failure(std::function<void()> listener) { on_failure_ = std::move(listener); }

  // InitProducerId at the coordinator. `current`: the id and epoch to move
  // on from (KIP-360, InitProducerId v3+: the coordinator bumps the epoch of
  // exactly this producer and fences nobody else); {-1, -1} at start.
  asio::awaitable<std::error_code> init_producer_id(Clock::time_point deadline, ProducerIdAndEpoch current = {});
  asio::awaitable<std::error_code> send_offsets(std::vector<TopicPartitionOffset> offsets,
                                                ConsumerGroupMetadata group, Clock::time_point deadline);
  // Commit: first checks that no record of the transaction failed.
  asio::awaitable<std::error_code> end_transaction(bool commit, Clock::time_point deadline);
  // Abort: every batch still queued fails with errc::transaction_aborted
  // (at the sender's next round).
  void fail_queued() { fail_queued_with(errc::transaction_aborted); }

  std::uint64_t coordinator_retries() const noexcept { return client_.retries(); }

 private:
  asio::awaitable<void> add_pending_partitions();
  asio::awaitable<std::error_code> finish_transaction(bool commit, Clock::time_point deadline);
  // A produce failed since the transaction began (the sender's counters).
  bool produce_failed() const;
  void reset_transaction();
  // Classifies a coordinator answer's error; returns it.
  std::error_code on_error(std::error_code ec);
  void become_fatal(std::error_code ec);
  void become_abortable(std::error_code ec);
  void fail_queued_with(std::error_code ec);
  net::SendOptions capped(std::int16_t max_version) const {
    net::SendOptions o;
    o.max_version = max_version;
    return o;
  }

  asio::any_io_executor executor_;
  CoordinatorClient client_;
  RecordAccumulator& accumulator_;
  const IdempotenceState& idempotence_;
  const ProduceOutcomeCounters& counters_;
  TransactionalState& state_;
  const TransactionSettings settings_;

  bool has_producer_id_ = false;
  ProducerIdAndEpoch pe_;  // as the coordinator knows it (the sender never moves it on its own)
  std::set<TopicPartitionKey, TopicPartitionLess> added_;    // in the current transaction
  std::set<TopicPartitionKey, TopicPartitionLess> pending_;  // waiting for AddPartitionsToTxn
  bool adding_ = false;
  // Cancelled when an AddPartitionsToTxn round ends (end_transaction waits for it).
  asio::steady_timer adding_done_;
  std::optional<ProducerIdAndEpoch> new_producer_id_;  // for take_producer_id
  std::error_code queued_failure_;                     // for take_queued_failure
  std::function<void()> on_failure_;
  bool offsets_added_ = false;
  std::uint64_t failures_at_start_ = 0;
};

}  // namespace kwire::detail
