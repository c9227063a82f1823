// The Producer's insides: the io thread (net::NetworkThread), the accumulator, the
// partitioner, the delivery dispatcher, the backend and the sender, built and
// torn down in an order that lets every delivery report fire exactly once.
// Threads: enqueue/flush/close/poll from user threads; the sender and the
// transport live on io_thread_.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "kwire/net/network_thread.hpp"
#include "kwire/producer.hpp"
#include "kwire/producer_metrics.hpp"
#include "producer/accumulator/record_accumulator.hpp"
#include "producer/delivery/delivery_report.hpp"
#include "producer/grow_only_tables.hpp"
#include "producer/partitioner.hpp"
#include "producer/produce_stats.hpp"
#include "producer/producer_backend.hpp"
#include "producer/sender/sender.hpp"
#include "producer/transactions/transaction_calls.hpp"

namespace kwire::detail {

class ProducerImpl {
 public:
  using Clock = std::chrono::steady_clock;

  ProducerImpl(ProducerConfig config, const BackendFactory& factory);
  ~ProducerImpl();

  std::error_code enqueue(const Record& record, DeliveryHandler& handler);
  // Blocking flush (user threads), and the flush behind async_flush (any
  // thread): both the accumulator's start_flush, waited for or timed on the io thread.
  std::error_code flush(std::chrono::milliseconds timeout);
  void start_flush(std::chrono::milliseconds timeout, std::function<void(std::error_code)> done);
  void close(std::chrono::milliseconds timeout);
  // Producer::purge: the sender's purge, run on the io thread (waited for
  // from a user thread). 0 once the io thread stopped.
  std::size_t purge(bool queued, bool in_flight);
  std::size_t poll(std::chrono::milliseconds timeout) { return dispatcher_.poll(timeout); }
  DeliveryDispatcher& dispatcher() noexcept { return dispatcher_; }
  // Producer::metrics: the sender's counters read on the io thread (waited
  // for from a user thread), the rest from atomics.
  ProducerMetrics metrics();
  bool on_io_thread() const noexcept { return io_thread_.in_network_thread(); }
  // net::destroy_outside: the io thread is the producer's only thread.
  bool on_own_thread() const noexcept { return on_io_thread(); }

  // Direct batch control.
  std::error_code create_batch(BatchPtr& out);
  std::error_code enqueue_batch(BatchPtr batch, std::int64_t first_timestamp_ms, std::string_view topic,
                                std::int32_t partition, DeliveryHandler& handler);

  // Transactions; null without transactional.id.
  TransactionCalls* transactions() noexcept { return txn_.get(); }
  // The transactional half for a user's call, or why there is none:
  // errc::transactions_unavailable, or errc::would_deadlock for a blocking
  // call made on the io thread.
  std::error_code transaction_calls(bool blocking, TransactionCalls*& out) const;

  const ProducerConfig& config() const noexcept { return config_; }
  RecordAccumulator& accumulator() noexcept { return accumulator_; }
  SenderTransport& transport() noexcept { return *backend_.transport; }
  Sender& sender() noexcept { return *sender_; }
  asio::io_context& io() noexcept { return io_thread_.context(); }

  // The partition count of a topic, waiting for metadata until `deadline`
  // (user threads; on the io thread only a known topic answers).
  std::error_code partition_count(std::string_view topic, Clock::time_point deadline, std::int32_t& count);
  // The topic's partitions with their leaders, waiting as partition_count()
  // does. From a source that knows no leaders: every leader -1, none available.
  std::error_code partitions(std::string_view topic, Clock::time_point deadline, std::vector<PartitionInfo>& out);

 private:
  // What every send checks before it is accepted, in this order: a topic,
  // not closed, a transaction open, at most `limit` bytes, a partition count.
  // `known`: the topic's count slot from its handle, when it has one (no lookup).
  std::error_code check_send(std::string_view topic, std::size_t bytes, std::size_t limit,
                             const SendDeadline& deadline, const std::atomic<std::int32_t>* known,
                             std::int32_t& count);
  // metrics(): records still queued, per partition.
  void add_queued(ProducerMetrics& m);
  // From a user thread: runs `f` on the io thread and returns its result, or
  // nullopt once close() halted the io thread before `f` ran (woken by
  // either, no polling).
  template <typename T>
  std::optional<T> ask_io_thread(std::function<T()> f);
  // close(): aborts the open transaction, waiting until `deadline` at most.
  void abort_open_transaction(Clock::time_point deadline);

  // A topic's state on the send path, found with one name lookup per send
  // (issue 15, direction 2): where its partition count is kept, its sticky
  // partition state and its partition queues. Made by the first send that
  // found the topic's partition count, never removed; the pointees live as
  // long as the metadata source, the partitioner and the accumulator.
  struct TopicHandle {
    // Null while the metadata source offers no slot: partition_count() then.
    std::atomic<const std::atomic<std::int32_t>*> count{nullptr};
    // Where the source publishes the topic's leaders; null if it has no such place.
    std::atomic<const std::atomic<const TopicPartitionsView*>*> view{nullptr};
    Partitioner::StickyState* sticky = nullptr;
    RecordAccumulator::TopicQueues* queues = nullptr;
  };
  // The handle of a topic whose partition count is known (made if new).
  TopicHandle& topic_handle(std::string_view topic);
  // The topic's latest view, if its source publishes one (two acquire loads).
  static const TopicPartitionsView* view_of(const TopicHandle& topic);
  // The user's partitioner, shown the partitions with a leader; `count`
  // becomes the view's when there is one (it is at least as new).
  Partitioner::Choice choose_custom(const Record& r, TopicHandle& topic, std::int32_t& count);
  // How long a user thread may block (max.block.ms); not at all on the io thread.
  Clock::time_point block_deadline() const;
  // The same, read from the clock only when a send has to wait.
  SendDeadline send_deadline() const { return SendDeadline(config_.max_block, &io_thread_.thread_id()); }

  const ProducerConfig config_;
  ProduceStats stats_;  // before the dispatcher and sender, which count into it
  DeliveryDispatcher dispatcher_;
  RecordAccumulator accumulator_;
  Partitioner partitioner_;
  // Started last in the constructor, once everything that runs on it exists.
  net::NetworkThread io_thread_{net::NetworkThread::Start::later};
  // The largest record a send accepts (max.request.size, buffer.memory).
  const std::size_t send_limit_;
  ProducerBackend backend_;
  std::unique_ptr<Sender> sender_;
  std::unique_ptr<TransactionCalls> txn_;
  std::mutex close_mu_;
  bool closed_ = false;
  // ask_io_thread's answers, and close() halting the io thread.
  std::mutex answers_mu_;
  std::condition_variable answered_;
  bool io_halted_ = false;
  GrowOnlyTopicMap<TopicHandle> topics_;
};

// Now as CreateTime: milliseconds since the epoch.
std::int64_t wall_clock_ms();

// Lets tests build a Producer on a backend of their own.
struct ProducerTestAccess {
  static Producer make(ProducerConfig config, const BackendFactory& factory);
  static ProducerImpl& impl(Producer& p);
};

}  // namespace kwire::detail
