// The sender: one coroutine on the producer's io_context that turns ready
// batches into Produce requests. Each round it fetches a producer id when
// idempotence needs one, applies pending epoch bumps, expires batches past
// delivery.timeout.ms, asks the accumulator which leaders have ready data,
// drains them (one request per broker, up to max.request.size, only
// partitions the IdempotenceState lets through) while a connection has
// fewer than max.in.flight.requests.per.connection requests in flight, and
// sleeps until the accumulator wakes it, a response arrives, a metadata
// refresh may have given a waiting partition its leader, or the next
// linger/backoff/expiry time: there is no periodic tick, so every change
// that can let a batch go must wake it. The accumulator wakes it only while it is parked
// (RecordAccumulator::park, one wake-up per park): appends while it works
// cost no hand-off. What becomes of each batch after its response is
// decided by BatchOutcomes; the sender splits, requeues and refreshes.
// A transactional producer's sender pulls from TransactionRequests at the
// start of each round (a new producer id, queued batches to fail) and asks
// it in the drain whether a partition's batches may go; TransactionRequests
// never calls the sender (it wakes it through the accumulator).
//
// Threads: start(), wake(), initiate_close() and wait_closed() from any
// thread; everything else runs on the io_context thread. The Sender must
// outlive its coroutine: destroy it only after wait_closed() returned true
// or the io_context stopped running.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "kwire/errors.hpp"
#include "kwire/producer_config.hpp"
#include "producer/accumulator/producer_batch.hpp"
#include "producer/accumulator/record_accumulator.hpp"
#include "producer/idempotence/idempotence_state.hpp"
#include "producer/sender/batch_outcomes.hpp"
#include "producer/sender/produce_request_builder.hpp"
#include "producer/sender/sender_transport.hpp"

namespace kwire::detail {

class ProduceStats;
class TransactionRequests;

struct SenderOptions {
  std::int16_t acks = -1;
  std::chrono::milliseconds request_timeout{30000};
  std::size_t max_request_size = 1048576;
  int max_in_flight_per_connection = 5;
  bool idempotent = true;
  RetryPolicy retry;
  // Carried in Produce requests; batches get the transactional bit. With it
  // the producer id comes from the transaction coordinator (adopt_producer_id),
  // never from the sender's own InitProducerId.
  std::optional<std::string> transactional_id;
  // ProducerConfig::on_error: told once when the idempotent producer's own
  // InitProducerId is refused for good (CLUSTER_AUTHORIZATION_FAILED...).
  ErrorCallback on_error;

  static SenderOptions from(const ProducerConfig& config);
};

class Sender {
 public:
  using Clock = std::chrono::steady_clock;

  Sender(asio::any_io_executor executor, RecordAccumulator& accumulator, SenderTransport& transport,
         SenderOptions options);
  ~Sender();
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  // Transactions (set before start()): the producer id, the partitions that
  // may send and the batches to fail come from `txn` (see the top of this
  // file). A transactional sender without one sends nothing.
  void pull_transactions_from(TransactionRequests& txn) noexcept { txn_ = &txn; }
  // Producer::metrics: per-request and per-batch figures (set before start()).
  void count_into(ProduceStats* stats) noexcept { stats_ = stats; }
  // io thread: Producer::purge. Fails the queued batches never sent
  // (`queued`) and those sent and waiting for a retry (`in_flight`); a
  // request on the wire is answered as usual. Returns the records dropped.
  std::size_t purge(bool queued, bool in_flight);

  // Spawns the coroutine on the executor and hooks the accumulator's wake-up.
  void start();
  // Something may be ready sooner than planned (any thread).
  void wake();
  // Stop once everything is delivered, or at `deadline` fail whatever is left
  // (queued and in flight) with `left_over` (errc::producer_closed, or
  // errc::transaction_aborted when close() aborted an open transaction). The
  // caller closes the accumulator first so nothing new arrives. Any thread.
  void initiate_close(Clock::time_point deadline, std::error_code left_over = errc::producer_closed);
  // Blocks until the coroutine finished or `until`; true when finished.
  // Not on the io_context thread.
  bool wait_closed(Clock::time_point until);
  bool finished() const noexcept { return finished_.load(std::memory_order_acquire); }

  // io thread (or after finished()): state for tests and metrics.
  const IdempotenceState& idempotence() const noexcept { return idempotence_; }
  const ProduceOutcomeCounters& counters() const noexcept { return outcomes_.counters(); }
  std::uint64_t requests_sent() const noexcept { return requests_sent_; }
  int max_in_flight_seen() const noexcept { return max_in_flight_seen_; }
  std::size_t in_flight_requests() const { return in_flight_total(); }
  // How often the coroutine went round (each round looks at every queue).
  std::uint64_t rounds() const noexcept { return rounds_; }

 private:
  asio::awaitable<void> run();
  // One round; returns when to look again (nullopt: only when woken).
  std::optional<Clock::time_point> run_once(Clock::time_point now);
  void send_drained(std::int32_t broker, std::vector<BatchPtr> batches);
  asio::awaitable<void> send_request(std::int32_t broker, std::vector<BatchPtr> batches);
  // The broker's answer for one batch: decided by outcomes_, acted on here
  // (split, queued again for a retry, leader looked up again).
  void on_answer(BatchPtr batch, const BatchOutcomes::PartitionResponse* partition, Clock::time_point now);
  void follow(BatchPtr batch, Verdict verdict);
  // Producer::metrics (only with count_into): a request sent, its answer.
  void count_request(std::int32_t broker, const std::vector<ProducerBatch*>& batches);
  void count_answer(std::int32_t broker, const std::vector<ProducerBatch*>& batches, std::error_code error,
                    Clock::duration rtt, std::int32_t throttle_ms);
  asio::awaitable<void> init_producer_id();
  // The start of a transactional producer's round: what TransactionRequests
  // has for the sender (a producer id to adopt, queued batches to fail).
  void pull_from_transaction();
  // Whether a transactional producer's partition may send now.
  bool transaction_allows(const ProducerBatch& batch);
  // Fails every queued batch (new or waiting for a retry) with `error`, and
  // makes the idempotence state forget the ones already sent (their
  // sequences are then re-assigned), so no partition waits on them.
  void fail_queued(std::error_code error);
  // InitProducerId refused with an error no retry fixes: every record, queued
  // now or sent later, fails with it (as the Java client's fatal state).
  void fail_fatally(std::error_code error);
  void force_close();
  void wake_on_io_thread();
  std::size_t in_flight_total() const;

  asio::any_io_executor executor_;
  RecordAccumulator& accumulator_;
  SenderTransport& transport_;
  const SenderOptions options_;
  IdempotenceState idempotence_;
  BatchOutcomes outcomes_;
  ProduceRequestOptions request_options_;
  asio::steady_timer timer_;
  TransactionRequests* txn_ = nullptr;
  ProduceStats* stats_ = nullptr;

  // io thread state
  std::map<std::int32_t, int> in_flight_;  // requests in flight per broker
  bool wake_requested_ = false;
  bool init_running_ = false;
  Clock::time_point init_not_before_{};
  std::error_code fatal_;  // set by fail_fatally
  bool closing_ = false;
  bool forced_ = false;
  Clock::time_point close_deadline_{};
  std::error_code close_error_ = errc::producer_closed;
  std::uint64_t requests_sent_ = 0;
  std::uint64_t rounds_ = 0;
  int max_in_flight_seen_ = 0;

  std::atomic<bool> finished_{false};
  std::mutex finished_mu_;
  std::condition_variable finished_cv_;
};

}  // namespace kwire::detail
