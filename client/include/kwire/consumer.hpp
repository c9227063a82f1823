// The Kafka consumer. Construct it from a ConsumerConfig or Java-style
// properties, assign partitions, and poll:
//
//   kwire::Consumer consumer({{"bootstrap.servers", "localhost:9092"},
//                             {"auto.offset.reset", "earliest"}});
//   consumer.assign({{"orders", 0}, {"orders", 1}});
//   for (;;) {
//     const kwire::ConsumerRecords& records = consumer.poll(std::chrono::milliseconds(500));
//     if (records.error()) { /* records.error_detail() says which partition and why */ }
//     for (const kwire::ConsumerRecord& r : records) use(r.topic, r.partition, r.offset, r.value);
//   }
//
// Records are views into the fetched response buffers (or the consumer's
// decompression buffers): no payload is copied, and they stay valid until
// the next poll(), assign() or close(). Copy what must live longer.
//
// Threads: like Java's KafkaConsumer, one user thread at a time calls the
// consumer. It runs one io thread of its own that fetches ahead of poll(),
// bounded by fetch.max.bytes per request and fetch.buffer.bytes in all.
#pragma once

#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/dispatch.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/system_executor.hpp>

#include <chrono>
#include <compare>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "kwire/consumer_config.hpp"
#include "kwire/consumer_errors.hpp"
#include "kwire/errors.hpp"
#include "kwire/record.hpp"

namespace kwire {

namespace detail {
class ConsumerImpl;
}
struct ConsumerGroupMetadata;  // kwire/producer.hpp

struct TopicPartition {
  std::string topic;
  std::int32_t partition = 0;
  friend auto operator<=>(const TopicPartition&, const TopicPartition&) = default;
};

using RecordHeaders = protocol::records::HeaderRange;  // iterate: for (const Header& h : r.headers)

// One record as poll() hands it out; every view valid until the next poll().
struct ConsumerRecord {
  std::string_view topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::int64_t timestamp_ms = 0;
  TimestampType timestamp_type = TimestampType::create_time;
  std::int32_t leader_epoch = -1;  // the batch's partition leader epoch; -1 for legacy message sets
  std::optional<Bytes> key;        // nullopt = null key
  std::optional<Bytes> value;      // nullopt = null value (tombstone)
  RecordHeaders headers;
};

// What one poll() returned: records in offset order per partition, and at
// most one error (the records before it are still good). An error stops only
// its partition until the caller seeks it (OFFSET_OUT_OF_RANGE with
// auto.offset.reset=none, corrupt records, authorization...).
class ConsumerRecords {
 public:
  using const_iterator = std::vector<ConsumerRecord>::const_iterator;
  const_iterator begin() const noexcept { return records_.begin(); }
  const_iterator end() const noexcept { return records_.end(); }
  std::size_t size() const noexcept { return records_.size(); }
  bool empty() const noexcept { return records_.empty(); }
  const ConsumerRecord& operator[](std::size_t i) const noexcept { return records_[i]; }

  std::error_code error() const noexcept { return error_; }
  const std::string& error_detail() const noexcept { return error_detail_; }
  const std::optional<TopicPartition>& error_partition() const noexcept { return error_partition_; }

 private:
  friend class detail::ConsumerImpl;
  std::vector<ConsumerRecord> records_;
  std::error_code error_;
  std::string error_detail_;
  std::optional<TopicPartition> error_partition_;
};

// A committed offset: the next offset to read, with the committer's metadata.
struct OffsetAndMetadata {
  std::int64_t offset = -1;
  std::string metadata;
  std::int32_t leader_epoch = -1;
};
using CommitOffsets = std::map<TopicPartition, OffsetAndMetadata>;
// offsets_for_times(): the first record at or after a time, and its timestamp.
struct OffsetAndTimestamp {
  std::int64_t offset = -1;
  std::int64_t timestamp_ms = -1;
};
// Runs on the polling thread, inside poll() (or close()), once the commit is answered.
using CommitCallback = std::function<void(std::error_code, const CommitOffsets&)>;

// What a group rebalance does to a subscribed consumer's partitions. Each
// runs on the polling thread, inside poll() (on_revoked also inside
// unsubscribe() and close()); any may be left empty. The consumer may be
// called from them (commit(), seek(), position()...).
struct RebalanceListener {
  // The partitions read from now on; each starts at the group's committed
  // offset (or per auto.offset.reset), unless seek()ed here.
  std::function<void(const std::vector<TopicPartition>&)> on_assigned;
  // Given up in a rebalance. With enable.auto.commit the positions were just
  // committed; otherwise commit() here what was processed.
  std::function<void(const std::vector<TopicPartition>&)> on_revoked;
  // Taken away without a chance to commit: the coordinator no longer knows
  // this member's generation (session timed out, fenced). Another member may
  // already read them; a commit now would be refused.
  std::function<void(const std::vector<TopicPartition>&)> on_lost;
};

class Consumer {
 public:
  explicit Consumer(ConsumerConfig config);
  explicit Consumer(const Properties& properties);  // throws ConfigError
  // Consumer c({{"bootstrap.servers", "host:9092"}, {"group.id", "g"}}): a braced
  // list of pairs is always properties (not the aggregate ConsumerConfig).
  Consumer(std::initializer_list<Properties::value_type> properties);
  ~Consumer();  // close(); from an async_poll handler, on a thread of its own
  Consumer(Consumer&&) noexcept;
  Consumer& operator=(Consumer&&) noexcept;

  // Replaces the assignment (no group). Partitions kept keep their position;
  // new ones start from auto.offset.reset (or a seek made before the first poll).
  // Throws std::system_error (assignment_conflict) while subscribed, unless empty.
  void assign(std::vector<TopicPartition> partitions);
  // The partitions read now: assign()ed, or given by the group.
  std::vector<TopicPartition> assignment() const;

  // Joins the group (group.id) with these topics, or changes the topics of a
  // member (a rebalance). The group's leader assigns the partitions with the
  // first assignor of partition.assignment.strategy every member supports
  // (range, roundrobin and cooperative-sticky, the Java client's and
  // librdkafka's rules, so their consumers may share the group); `listener`
  // hears of every change, from inside poll(). Under cooperative-sticky
  // (KIP-429) a rebalance revokes only the partitions that move: the others
  // are read on, with no callback, and on_assigned names only those added. Heartbeats go out from the consumer's own thread.
  // Commits carry the generation and member id; a commit the coordinator
  // refuses as stale (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID) is not made and
  // the partitions are reported lost. With no poll() for max.poll.interval.ms
  // the consumer leaves the group; the next poll() reports its partitions
  // lost and joins again. With group.instance.id (KIP-345) close() sends no
  // LeaveGroup; a member fenced by another consumer with its instance id gets
  // FENCED_INSTANCE_ID from poll(), on_lost, and does not join again.
  // no_group_id, assignment_conflict
  // (partitions assign()ed), unsupported_assignor, consumer_closed.
  std::error_code subscribe(std::vector<std::string> topics, RebalanceListener listener = {});
  // Subscribes to every topic whose whole name matches `pattern`
  // (std::regex_match, as Java's subscribe(Pattern)), internal topics left
  // out. The cluster's topics are listed again every metadata.max.age.ms: a
  // matching topic created later joins the group's assignment then (and one
  // deleted leaves it). subscription() names the topics it matched at the
  // last listing (empty until the first answer); assignment() shows the
  // partitions they brought. Same errors as subscribe(topics).
  std::error_code subscribe(const std::regex& pattern, RebalanceListener listener = {});
  // Commits (enable.auto.commit), calls on_revoked, leaves the group (LeaveGroup).
  void unsubscribe();
  // The topics of subscribe(topics), or those subscribe(pattern) matches now
  // (sorted); empty when not subscribed.
  std::vector<std::string> subscription() const;

  // Records fetched for the assigned partitions; waits up to `timeout` for
  // the first one. Views valid until the next call of poll().
  const ConsumerRecords& poll(std::chrono::milliseconds timeout);

  // poll() without blocking the caller: it runs on the consumer's own
  // polling thread (started by the first async_poll) and completes with
  // void(std::error_code, const ConsumerRecords&): consumer_closed after
  // close(), otherwise no error (a partition's error is records.error(), as
  // from poll()). Callback, std::future (asio::use_future) and co_await
  // (asio::use_awaitable) forms; the last two hand out a copy of the list,
  // whose views, like poll()'s, stay valid until the next poll or async_poll.
  // The listener and commit callbacks run on the polling thread, inside it,
  // and so do handlers without an associated executor; others (a
  // coroutine's) are dispatched to their executor. One at a time: no other
  // call on the consumer until it completes, except from the handler or the
  // listener. Destroying the consumer ends a waiting one early, and
  // completes those not started with consumer_closed. The handler (or the
  // listener or a commit callback inside it) may close or destroy the
  // consumer, e.g. by resetting the last pointer owning it: destroyed there,
  // it closes on a thread of its own once the handler returned (on_revoked
  // and the commit callbacks then run there, and must not call the consumer:
  // it is gone); not so inside a poll() called on the application's thread.
  template <typename CompletionToken>
  auto async_poll(std::chrono::milliseconds timeout, CompletionToken&& token) {
    return asio::async_initiate<CompletionToken, void(std::error_code, const ConsumerRecords&)>(
        [this](auto handler, std::chrono::milliseconds t) { start_poll(t, wrap_poll(std::move(handler))); }, token,
        timeout);
  }

  // The offset of the next record poll() will return for `partition`; waits
  // (up to default.api.timeout.ms, or `timeout`) while the position is being
  // looked up. consumer_errc::partition_not_assigned or consumer_timeout, or the
  // lookup's error.
  std::error_code position(const TopicPartition& partition, std::int64_t& offset);
  std::error_code position(const TopicPartition& partition, std::int64_t& offset, std::chrono::milliseconds timeout);
  // Next poll() starts at `offset` (records fetched past it are dropped).
  std::error_code seek(const TopicPartition& partition, std::int64_t offset);
  // Starts at the log start / end as of the lookup made on the next poll.
  std::error_code seek_to_beginning(std::span<const TopicPartition> partitions);
  std::error_code seek_to_end(std::span<const TopicPartition> partitions);

  // The partition numbers of `topic` (Metadata), waiting up to `timeout`
  // for the topic to be known: the broker's error for it (e.g.
  // UNKNOWN_TOPIC_OR_PARTITION) or consumer_errc::consumer_timeout.
  std::error_code partitions_for(const std::string& topic, std::vector<std::int32_t>& partitions,
                                 std::chrono::milliseconds timeout);
  // The first offset of each partition, and the end (the high watermark, or
  // the last stable offset under read_committed), asked of each leader;
  // `offsets` in the order of `partitions`. Need not be assigned.
  std::error_code beginning_offsets(std::span<const TopicPartition> partitions, std::vector<std::int64_t>& offsets,
                                    std::chrono::milliseconds timeout);
  std::error_code end_offsets(std::span<const TopicPartition> partitions, std::vector<std::int64_t>& offsets,
                              std::chrono::milliseconds timeout);

  // For each partition, the first offset whose record's timestamp is at or
  // after the given time (ms since the epoch), asked of each leader
  // (ListOffsets); partitions with no such record are left out of `out`.
  // A negative time is consumer_errc::invalid_offset.
  std::error_code offsets_for_times(const std::map<TopicPartition, std::int64_t>& timestamps,
                                    std::map<TopicPartition, OffsetAndTimestamp>& out,
                                    std::chrono::milliseconds timeout);

  // Group offsets (group.id required, else consumer_errc::no_group_id).
  // A partition assigned to a consumer with a group.id starts at the group's
  // committed offset, or per auto.offset.reset when there is none. Commits
  // carry generation -1 after assign() (no group membership), the current
  // generation and member id after subscribe(). With
  // enable.auto.commit, poll() commits the positions every
  // auto.commit.interval.ms (asynchronously) and close() commits them (waiting).
  //
  // Commits the position of every assigned partition (what poll() has
  // returned), or `offsets`; waits up to default.api.timeout.ms or `timeout`.
  // The first partition's error, or consumer_errc::consumer_timeout.
  std::error_code commit();
  std::error_code commit(const CommitOffsets& offsets);
  std::error_code commit(const CommitOffsets& offsets, std::chrono::milliseconds timeout);
  // The same without waiting; `callback` runs inside a later poll() or close().
  void commit_async(CommitCallback callback = {});
  void commit_async(CommitOffsets offsets, CommitCallback callback = {});
  // The group's committed offsets of `partitions`; a partition with none is left out of `out`.
  std::error_code committed(std::span<const TopicPartition> partitions, CommitOffsets& out,
                            std::chrono::milliseconds timeout);

  // The group for Producer::send_offsets_to_transaction (include
  // kwire/producer.hpp): group.id and group.instance.id, and the generation
  // and member id of the current assignment; generation -1 and no member id
  // while the consumer is not a group member (assign()).
  ConsumerGroupMetadata group_metadata() const;

  // Stops returning (and fetching) records of these assigned partitions until
  // resume(); positions are kept, and records already fetched are fetched again.
  std::error_code pause(std::span<const TopicPartition> partitions);
  std::error_code resume(std::span<const TopicPartition> partitions);
  std::vector<TopicPartition> paused() const;

  // Commits the positions first when enable.auto.commit is on (waiting up to
  // default.api.timeout.ms), runs the callbacks of finished asynchronous
  // commits, leaves the group when subscribed (on_revoked, LeaveGroup), then
  // stops the io thread and closes every connection. Later calls fail or
  // return nothing.
  void close();

  const ConsumerConfig& config() const noexcept;

 private:
  using PollDone = std::function<void(std::error_code, const ConsumerRecords&)>;
  // Runs `handler` on the polling thread, or dispatches it to its own executor.
  template <typename Handler>
  static PollDone wrap_poll(Handler&& handler) {
    using H = std::decay_t<Handler>;
    if constexpr (std::is_same_v<asio::associated_executor_t<H>, asio::system_executor>) {
      auto h = std::make_shared<H>(std::forward<Handler>(handler));  // PollDone must be copyable
      return [h](std::error_code ec, const ConsumerRecords& records) { std::move(*h)(ec, records); };
    } else {
      struct Held {
        H handler;
        asio::executor_work_guard<asio::associated_executor_t<H>> work;
      };
      auto work = asio::make_work_guard(asio::get_associated_executor(handler));
      auto held = std::make_shared<Held>(Held{std::forward<Handler>(handler), std::move(work)});
      return [held](std::error_code ec, const ConsumerRecords& records) {
        auto ex = held->work.get_executor();
        // The records stay valid until the next poll, which only the handler can start.
        asio::dispatch(ex, [held, ec, r = &records]() { std::move(held->handler)(ec, *r); });
        held->work.reset();
      };
    }
  }
  void start_poll(std::chrono::milliseconds timeout, PollDone done);

  std::unique_ptr<detail::ConsumerImpl> impl_;
};

}  // namespace kwire
