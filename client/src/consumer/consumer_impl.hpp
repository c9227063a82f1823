// The Consumer's insides: the io thread with the connection pool, the
// metadata cache and the Fetcher; and on the polling thread the assignment
// with each partition's position and seek generation, the events taken from
// the FetchQueue, and the RecordDrain that turns fetched data into records.
// A fetched response is used only if it belongs to the partition's current
// generation and starts at its position, so a seek (or a reset) drops
// whatever was fetched before it. With a group.id, GroupOffsets (io thread)
// commits and fetches the group's offsets; asynchronous commits report back
// through the FetchQueue and their callbacks run at the end of poll().
// After subscribe(), GroupMembership (io thread) keeps the consumer in its
// group; the partitions it assigns, revokes or reports lost arrive through
// the FetchQueue too, and poll() applies them (and calls the listener)
// between two polls' records, never in the middle of one's.
// Threads: one user thread at a time calls the public members; the network
// side runs on io_thread_ and is reached by asio::post.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "consumer/fetch_queue.hpp"
#include "consumer/fetcher.hpp"
#include "consumer/group_membership.hpp"
#include "consumer/group_offsets.hpp"
#include "consumer/matched_topics.hpp"
#include "consumer/offset_lookup.hpp"
#include "consumer/record_drain.hpp"
#include "consumer/topic_pattern_watcher.hpp"
#include "kwire/consumer.hpp"
#include "kwire/net/network_thread.hpp"

namespace kwire::detail {

class ConsumerImpl {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ConsumerImpl(ConsumerConfig config);
  ~ConsumerImpl();

  void assign(std::vector<TopicPartition> partitions);
  std::vector<TopicPartition> assignment() const;
  std::error_code subscribe(std::vector<std::string> topics, RebalanceListener listener);
  std::error_code subscribe(std::regex pattern, RebalanceListener listener);
  void unsubscribe();
  // The topics subscribed, or those a subscribed pattern matches now.
  std::vector<std::string> subscription() const;
  // group.id, instance id, and the generation and member id commits carry now.
  GroupMember group_member() const { return member_; }
  const ConsumerRecords& poll(std::chrono::milliseconds timeout);
  // async_poll: poll(timeout) on the polling thread (started on first use),
  // then `done` there with its records.
  void start_poll(std::chrono::milliseconds timeout, std::function<void(std::error_code, const ConsumerRecords&)> done);
  std::error_code position(const TopicPartition& partition, std::int64_t& offset, std::chrono::milliseconds timeout);
  std::error_code seek(const TopicPartition& partition, StartPosition start);
  std::error_code partitions_for(const std::string& topic, std::vector<std::int32_t>& partitions,
                                 std::chrono::milliseconds timeout);
  std::error_code list_offsets(std::span<const TopicPartition> partitions, std::int64_t timestamp,
                               std::vector<std::int64_t>& offsets, std::chrono::milliseconds timeout);
  // ListOffsets at timestamps[i] for partitions[i]; answers in that order.
  std::error_code lookup_offsets(std::span<const TopicPartition> partitions, std::span<const std::int64_t> timestamps,
                                 std::vector<OffsetAnswer>& answers, std::chrono::milliseconds timeout);
  // The position of every assigned partition whose position is known.
  CommitOffsets positions() const;
  std::error_code commit(const CommitOffsets& offsets, std::chrono::milliseconds timeout);
  void commit_async(CommitOffsets offsets, CommitCallback callback);
  std::error_code committed(std::span<const TopicPartition> partitions, CommitOffsets& out,
                            std::chrono::milliseconds timeout);
  std::error_code pause(std::span<const TopicPartition> partitions, bool paused);
  std::vector<TopicPartition> paused() const;
  void close();
  const ConsumerConfig& config() const noexcept { return config_; }
  // On the io thread or the polling thread (net::destroy_outside). The
  // polling thread is made by the one user thread at a time, before it runs.
  bool on_own_thread() const noexcept {
    return io_thread_.in_network_thread() || (poll_thread_ && poll_thread_->in_network_thread());
  }

 private:
  struct Owned {
    std::uint64_t generation = 0;
    std::int64_t position = -1;  // -1 while a lookup is pending
    std::int32_t position_epoch = -1;  // leader epoch of the record before the position; -1 unknown
    bool paused = false;
  };
  struct PendingCommit {
    CommitOffsets offsets;
    CommitCallback callback;
  };

  const std::string* intern(std::string_view topic);
  // Replaces the partitions read (assign(), or the group's assignment).
  void set_assignment(const std::vector<TopicPartition>& partitions);
  // Applies a GroupChange from the membership (inside poll()).
  void apply(const GroupChange& change);
  // A cooperative assignment: revokes only what it leaves out, adds the
  // rest, rejoins when something was given up (KIP-429's second round).
  void apply_incremental(const std::vector<TopicPartition>& target);
  // Commits (auto-commit) and calls on_revoked for `revoked`; keeps `rest`.
  void revoke_some(const std::vector<TopicPartition>& revoked, const std::vector<TopicPartition>& rest);
  // The checks subscribe(topics) and subscribe(pattern) share.
  std::error_code can_subscribe() const;
  void stop_pattern_watcher();
  // unsubscribe() and close(): on_revoked, then LeaveGroup.
  void leave_group();
  // Tells the membership a commit of `member`'s generation was refused as stale.
  static bool is_stale_generation(std::error_code ec);
  Owned* owned(const TopicPartition& tp, PartitionKey& key);
  // Moves events from pending_ into records_ until max.poll.records or an error.
  void fill();
  void report(const PartitionKey& key, std::error_code ec, std::string detail);
  void drop_current_of(const PartitionKey& key);
  StartPosition reset_start() const;
  std::vector<OffsetEntry> entries_of(const CommitOffsets& offsets);
  // A finished asynchronous commit: its callback is run by run_commit_callbacks().
  void commit_finished(const FetchEvent& event);
  void run_commit_callbacks();
  void auto_commit_if_due();
  // Runs `op` on the io thread and waits for it (a little past `timeout`,
  // which `op` is expected to respect).
  std::error_code run_on_io(std::function<asio::awaitable<std::error_code>()> op, std::chrono::milliseconds timeout);

  // The io thread's context (asio::post, co_spawn).
  asio::io_context& io() noexcept { return io_thread_.context(); }

  const ConsumerConfig config_;
  std::set<std::string, std::less<>> topics_;  // interned; records and keys point at these
  std::shared_ptr<FetchQueue> queue_;
  std::shared_ptr<FetchMemory> memory_;
  // Started last in the constructor, once everything that runs on it exists.
  net::NetworkThread io_thread_{net::NetworkThread::Start::later};
  std::shared_ptr<MetadataCache> cache_;  // io thread
  std::shared_ptr<GroupOffsets> offsets_;  // null without group.id; used on the io thread
  std::shared_ptr<Fetcher> fetcher_;
  std::shared_ptr<GroupMembership> membership_;  // null without group.id; io thread
  std::shared_ptr<net::ConnectionPool> pool_;
  // subscribe(pattern): made here, then used on the io thread only.
  std::shared_ptr<TopicPatternWatcher> pattern_watcher_;
  // subscribe(pattern): what it matches, written by the watcher's callback; null otherwise.
  std::shared_ptr<MatchedTopics> matched_;
  std::shared_ptr<PollTimer> polls_;  // poll() marks it, the membership reads it (max.poll.interval.ms)
  // Spawned on the io thread by close(): ends the network side by the deadline.
  std::function<asio::awaitable<void>(Clock::time_point)> shutdown_network_;
  bool closed_ = false;
  // async_poll's thread: polls run there one after another.
  std::optional<net::NetworkThread> poll_thread_;
  // Held by start_poll() while it posts: Asio wakes the polling thread after
  // queueing the poll, which may run (and its handler let the consumer go)
  // before that returns. The destructor waits for it.
  std::mutex start_poll_mu_;
  std::atomic<bool> destroying_{false};  // polls still queued complete with consumer_closed

  // Polling thread.
  std::map<PartitionKey, Owned> owned_;
  std::uint64_t next_generation_ = 1;
  std::deque<FetchEvent> pending_;
  RecordDrain drain_;
  std::vector<std::shared_ptr<FetchedFrame>> held_;  // frames the last poll's records point into
  ConsumerRecords records_;
  const bool auto_commit_;
  Clock::time_point next_auto_commit_;
  std::uint64_t next_commit_ = 1;
  std::map<std::uint64_t, PendingCommit> async_commits_;  // sent, not answered
  std::vector<std::pair<PendingCommit, std::error_code>> finished_commits_;
  bool subscribed_ = false;
  std::vector<std::string> subscription_;
  RebalanceListener listener_;
  GroupMember member_;  // generation -1 and no member id unless the group assigned the partitions
};

}  // namespace kwire::detail
