// The Kafka producer. Construct it from a ProducerConfig or Java-style
// properties, send records, and get one delivery report per record.
//
//   kwire::Producer producer({{"bootstrap.servers", "localhost:9092"}});
//   producer.async_send(record, [](std::error_code ec, kwire::RecordMetadata md) { ... });
//   auto future = producer.send(record);                   // std::future<RecordMetadata>
//   auto md = co_await producer.async_send(record, asio::use_awaitable);
//   producer.flush(std::chrono::seconds(10));
//
// Threads: every member may be called from any user thread at the same time.
// The producer runs one io thread of its own (network, sender, and by default
// the delivery reports). Blocking calls (send waiting for buffer.memory or
// metadata, send_and_wait, flush) must not be made from a delivery report
// running on that thread: they fail with errc::would_deadlock there. A report
// there may close the producer (close() then does not wait: what is left has
// failed by the time the producer is destroyed) or, once no other thread is
// in a call on it, destroy it, e.g. by resetting the last pointer owning it:
// the destructor's close then runs on a thread of its own once the report
// returned, every report still firing once (those later reports must not use
// the producer: it is gone). Not so for a report run by poll_events(): that
// one runs inside a call on the producer, which must return first.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/dispatch.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>
#include <asio/system_executor.hpp>
#include <asio/use_future.hpp>

#include "kwire/delivery_handler.hpp"
#include "kwire/errors.hpp"
#include "kwire/partition_info.hpp"
#include "kwire/producer_config.hpp"
#include "kwire/producer_metrics.hpp"
#include "kwire/record.hpp"

namespace kwire {

namespace detail {
class ProducerImpl;
class ProducerBatch;
struct ProducerTestAccess;
}  // namespace detail

// A batch the caller fills directly (create_batch / append / send_batch), as in
// aiokafka. The records are encoded as they are appended; its memory counts
// against buffer.memory from create_batch() on.
class Batch {
 public:
  struct Appended {
    std::int32_t offset_delta;  // offset = the batch's base offset + offset_delta
    std::int64_t timestamp_ms;
    std::size_t batch_size_bytes;
  };

  Batch(Batch&&) noexcept;
  Batch& operator=(Batch&&) noexcept;
  ~Batch();

  // nullopt when the record does not fit in batch.size (the first record
  // always fits) or the batch is closed.
  std::optional<Appended> append(std::optional<Bytes> key, std::optional<Bytes> value,
                                 std::optional<std::int64_t> timestamp_ms = std::nullopt,
                                 std::span<const Header> headers = {});
  // No more appends; send_batch closes it too.
  void close() noexcept;
  std::int32_t record_count() const noexcept;
  std::size_t size_bytes() const noexcept;

 private:
  friend class Producer;
  explicit Batch(std::unique_ptr<detail::ProducerBatch> batch) noexcept;
  std::unique_ptr<detail::ProducerBatch> batch_;
  std::int64_t first_timestamp_ms_ = -1;
  bool closed_ = false;
};

// Transactions: a consumed partition's offset to commit with a transaction
// (the offset of the NEXT record to read, as a consumer commits it).
struct TopicPartitionOffset {
  std::string topic{};
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  std::optional<std::string> metadata{};
  std::int32_t leader_epoch = -1;  // -1 = unknown
};

// The consumer group the offsets belong to. generation_id, member_id and
// group_instance_id let the group coordinator fence zombie consumers (KIP-447);
// leave them unset to commit with the group id alone.
struct ConsumerGroupMetadata {
  std::string group_id{};
  std::int32_t generation_id = -1;
  std::string member_id{};
  std::optional<std::string> group_instance_id{};
};

// What Producer::purge() drops (librdkafka's RD_KAFKA_PURGE_F_QUEUE and
// RD_KAFKA_PURGE_F_INFLIGHT).
struct PurgeScope {
  bool queued = true;      // records no attempt has sent yet: errc::purged_queue, outcome not_sent
  bool in_flight = false;  // records sent and waiting for a retry: errc::purged_in_flight
};

class Producer {
 public:
  using Signature = void(std::error_code, RecordMetadata);

  explicit Producer(ProducerConfig config);  // throws ConfigError
  explicit Producer(const Properties& properties);
  // Producer p({{"bootstrap.servers", "host:9092"}, {"transactional.id", "t"}}):
  // a braced list of pairs is always properties (an initializer_list parameter
  // wins over the aggregate ProducerConfig, which two pairs would also fill).
  Producer(std::initializer_list<Properties::value_type> properties);
  ~Producer();  // close(delivery.timeout.ms); from a report on the io thread, on a thread of its own
  // A moved-from Producer may only be destroyed or assigned to. Assigning
  // closes the producer assigned over first, as its destructor would.
  Producer(Producer&&) noexcept = default;
  Producer& operator=(Producer&&) noexcept;
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Sends a record; the completion fires once with its RecordMetadata or an
  // error. Handlers without an associated executor run where reports run (the
  // io thread, or poll_events()); others are dispatched to their executor.
  template <typename CompletionToken>
  auto async_send(const Record& record, CompletionToken&& token) {
    return asio::async_initiate<CompletionToken, Signature>(
        [this](auto handler, const Record& r) {
          DeliveryHandler wrapped = wrap(std::move(handler));
          if (std::error_code ec = enqueue(r, wrapped)) fail_now(std::move(wrapped), ec, r);
        },
        token, std::cref(record));
  }

  std::future<RecordMetadata> send(const Record& record) { return async_send(record, asio::use_future); }

  // Callback form. Returns an error when the record was not accepted; then the
  // callback is NOT called. Otherwise the callback fires exactly once.
  std::error_code send(const Record& record, DeliveryHandler callback);

  // Blocks until the record's report; throws std::system_error on failure.
  RecordMetadata send_and_wait(const Record& record);
  std::error_code send_and_wait(const Record& record, RecordMetadata& out);

  // Makes everything sent so far ready now and completes, void(std::error_code),
  // once its reports fired; errc::flush_timeout when time ran out. Does not
  // block, so it may be started from a delivery report.
  template <typename CompletionToken>
  auto async_flush(std::chrono::milliseconds timeout, CompletionToken&& token) {
    return asio::async_initiate<CompletionToken, void(std::error_code)>(
        [this](auto handler, std::chrono::milliseconds t) { start_flush(t, wrap_call(std::move(handler))); }, token,
        timeout);
  }
  // async_flush, waited for (not on the io thread: errc::would_deadlock).
  std::error_code flush(std::chrono::milliseconds timeout);

  // The topic's partitions (0..n-1), fetching its metadata when not known
  // yet, for up to `timeout` (Java's partitionsFor). errc::invalid_topic for a
  // name Kafka refuses, errc::metadata_timeout, or the broker's error for the
  // topic; errc::would_deadlock on the io thread for a topic not known yet.
  std::error_code partitions_for(std::string_view topic, std::chrono::milliseconds timeout,
                                 std::vector<std::int32_t>& partitions);
  // The same with each partition's leader, replicas and whether it has a
  // leader now (kwire/partition_info.hpp), as of the producer's latest
  // metadata: it refreshes every metadata.max.age.ms and when a send finds a
  // leader gone, so a change shows after that, not at once.
  std::error_code partitions_for(std::string_view topic, std::chrono::milliseconds timeout,
                                 std::vector<PartitionInfo>& partitions);
  // Drops records the producer holds, without waiting for them: each one's
  // report fires once, with errc::purged_queue (outcome not_sent: not in the
  // log) or errc::purged_in_flight (outcome as known of its earlier attempt).
  // A request on the wire is answered as usual; its records report then.
  // Returns how many records were dropped. Later sends work as before.
  std::size_t purge(PurgeScope scope = {});
  // Stops accepting records, flushes for up to `timeout`, then fails what is
  // left with errc::producer_closed (every report still fires) and stops the io thread.
  void close(std::chrono::milliseconds timeout);

  // enable.manual.events.poll=true: fires queued delivery reports on this
  // thread, waiting up to `timeout` for the first. Returns the records reported.
  std::size_t poll_events(std::chrono::milliseconds timeout = std::chrono::milliseconds(0));

  // Direct batch control. create_batch reserves batch.size bytes of
  // buffer.memory (waiting up to max.block.ms); throws std::system_error.
  Batch create_batch();
  template <typename CompletionToken>
  auto async_send_batch(Batch&& batch, std::string_view topic, std::int32_t partition, CompletionToken&& token) {
    return asio::async_initiate<CompletionToken, Signature>(
        [this, &batch](auto handler, std::string_view t, std::int32_t p) {
          DeliveryHandler wrapped = wrap(std::move(handler));
          if (std::error_code ec = enqueue_batch(std::move(batch), t, p, wrapped)) {
            Record r;
            r.topic = t;
            r.partition = p;
            fail_now(std::move(wrapped), ec, r);
          }
        },
        token, topic, partition);
  }
  std::future<RecordMetadata> send_batch(Batch&& batch, std::string_view topic, std::int32_t partition) {
    return async_send_batch(std::move(batch), topic, partition, asio::use_future);
  }

  const ProducerConfig& config() const noexcept;

  // What the producer did and holds now: records delivered/failed, batches by
  // outcome, requests, buffer.memory use, network bytes, connections and
  // round-trip times (see kwire/producer_metrics.hpp; to_json(metrics()) for
  // logs). Costs nothing until called; a call waits for the producer's thread
  // to read the sender's counters (returns at once on that thread or after close()).
  ProducerMetrics metrics();

  // ---- Transactions (KIP-98; needs transactional.id) ----
  // init_transactions() once, then per transaction: begin_transaction(),
  // sends (and send_offsets_to_transaction()), then commit_transaction() or
  // abort_transaction(). Errors:
  // - errc::transaction_timeout: the call did not finish in time; call it again.
  // - errc::invalid_transaction_state: a call out of order (begin twice,
  //   commit without begin, send outside a transaction).
  // - errc::transaction_abortable: something in this transaction failed (a
  //   record, an offset commit); only abort_transaction() is allowed next.
  // - Kafka errors such as PRODUCER_FENCED, INVALID_PRODUCER_EPOCH or
  //   TRANSACTIONAL_ID_AUTHORIZATION_FAILED are fatal: every later call
  //   returns the same error; close the producer.
  //
  // Each call but begin_transaction() (a local state change) has a
  // completion-token form, void(std::error_code), that does not block: the
  // calls run one at a time in call order, each checked when its turn comes
  // (so begin the next transaction once the previous commit completed). The
  // blocking forms wait for it; not from a delivery report on the producer's
  // thread (errc::would_deadlock). A refusal known at once (no
  // transactional.id: errc::transactions_unavailable) completes before the
  // async_* call returns.
  template <typename CompletionToken>
  auto async_init_transactions(std::chrono::milliseconds timeout, CompletionToken&& token) {
    return async_transaction_call(TransactionCall::init, timeout, std::forward<CompletionToken>(token));
  }
  template <typename CompletionToken>
  auto async_send_offsets_to_transaction(std::vector<TopicPartitionOffset> offsets, ConsumerGroupMetadata group,
                                         std::chrono::milliseconds timeout, CompletionToken&& token) {
    return asio::async_initiate<CompletionToken, void(std::error_code)>(
        [this](auto handler, std::vector<TopicPartitionOffset> o, ConsumerGroupMetadata g,
               std::chrono::milliseconds t) {
          start_send_offsets(std::move(o), std::move(g), t, wrap_call(std::move(handler)));
        },
        token, std::move(offsets), std::move(group), timeout);
  }
  // Flushes, then commits. On errc::transaction_abortable, abort.
  template <typename CompletionToken>
  auto async_commit_transaction(std::chrono::milliseconds timeout, CompletionToken&& token) {
    return async_transaction_call(TransactionCall::commit, timeout, std::forward<CompletionToken>(token));
  }
  // Fails the records not yet sent with errc::transaction_aborted (each report
  // fires once), waits for those in flight, then aborts.
  template <typename CompletionToken>
  auto async_abort_transaction(std::chrono::milliseconds timeout, CompletionToken&& token) {
    return async_transaction_call(TransactionCall::abort, timeout, std::forward<CompletionToken>(token));
  }

  std::error_code init_transactions(std::chrono::milliseconds timeout);
  std::error_code begin_transaction();
  std::error_code send_offsets_to_transaction(const std::vector<TopicPartitionOffset>& offsets,
                                              const ConsumerGroupMetadata& group, std::chrono::milliseconds timeout);
  std::error_code send_offsets_to_transaction(const std::vector<TopicPartitionOffset>& offsets,
                                              std::string_view group_id, std::chrono::milliseconds timeout);
  std::error_code commit_transaction(std::chrono::milliseconds timeout);
  std::error_code abort_transaction(std::chrono::milliseconds timeout);

 private:
  template <typename Handler>
  static DeliveryHandler wrap(Handler&& handler) {
    using H = std::decay_t<Handler>;
    if constexpr (std::is_same_v<asio::associated_executor_t<H>, asio::system_executor>) {
      return DeliveryHandler(std::forward<Handler>(handler));
    } else {
      auto work = asio::make_work_guard(asio::get_associated_executor(handler));
      return DeliveryHandler([h = std::forward<Handler>(handler), work = std::move(work)](
                                 std::error_code ec, RecordMetadata md) mutable {
        auto ex = work.get_executor();
        asio::dispatch(ex, [h = std::move(h), ec, md = std::move(md)]() mutable { std::move(h)(ec, std::move(md)); });
        work.reset();
      });
    }
  }
  static void fail_now(DeliveryHandler&& handler, std::error_code ec, const Record& r);
  // The completion of a call that is not a send: void(std::error_code), run
  // like a delivery report, or dispatched to the handler's own executor.
  using CallDone = std::function<void(std::error_code)>;
  template <typename Handler>
  static CallDone wrap_call(Handler&& handler) {
    using H = std::decay_t<Handler>;
    if constexpr (std::is_same_v<asio::associated_executor_t<H>, asio::system_executor>) {
      auto h = std::make_shared<H>(std::forward<Handler>(handler));  // CallDone must be copyable
      return [h](std::error_code ec) { std::move(*h)(ec); };
    } else {
      struct Held {
        H handler;
        asio::executor_work_guard<asio::associated_executor_t<H>> work;
      };
      auto work = asio::make_work_guard(asio::get_associated_executor(handler));
      auto held = std::make_shared<Held>(Held{std::forward<Handler>(handler), std::move(work)});
      return [held](std::error_code ec) {
        auto ex = held->work.get_executor();
        asio::dispatch(ex, [held, ec]() { std::move(held->handler)(ec); });
        held->work.reset();
      };
    }
  }
  void start_flush(std::chrono::milliseconds timeout, CallDone done);

  enum class TransactionCall { init, commit, abort };
  template <typename CompletionToken>
  auto async_transaction_call(TransactionCall call, std::chrono::milliseconds timeout, CompletionToken&& token) {
    return asio::async_initiate<CompletionToken, void(std::error_code)>(
        [this, call](auto handler, std::chrono::milliseconds t) {
          start_transaction_call(call, t, wrap_call(std::move(handler)));
        },
        token, timeout);
  }
  void start_transaction_call(TransactionCall call, std::chrono::milliseconds timeout, CallDone done);
  void start_send_offsets(std::vector<TopicPartitionOffset> offsets, ConsumerGroupMetadata group,
                          std::chrono::milliseconds timeout, CallDone done);
  // A blocking transactional call: `start` started and waited for.
  std::error_code wait_for_call(std::chrono::milliseconds timeout, const std::function<void(CallDone)>& start);

  std::error_code enqueue(const Record& record, DeliveryHandler& handler);
  std::error_code enqueue_batch(Batch&& batch, std::string_view topic, std::int32_t partition,
                                DeliveryHandler& handler);

  friend struct detail::ProducerTestAccess;
  explicit Producer(std::unique_ptr<detail::ProducerImpl> impl) noexcept;

  std::unique_ptr<detail::ProducerImpl> impl_;
};

}  // namespace kwire
