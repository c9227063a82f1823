// A subscribed consumer's membership of its group, classic protocol:
// JoinGroup (KIP-394: MEMBER_ID_REQUIRED is answered by joining again with
// the id the coordinator gave), then, for the leader, the assignment (range
// or roundrobin over the members' ConsumerProtocol subscriptions and the
// partition counts of their topics), SyncGroup, and a Heartbeat every
// heartbeat.interval.ms while the generation lasts. Heartbeats run here, on
// the io thread, so a slow poll() loop does not end the session.
//
// The partitions themselves change on the polling thread, inside poll():
// each change goes there as a GroupChange through the FetchQueue.
// - assigned: the SyncGroup's partitions, and the generation and member id
//   that commits must carry from then on;
// - revoke: the group is rebalancing. Eager protocols: poll() commits (with
//   auto-commit), gives every partition up, then calls rejoin(). The
//   cooperative protocol (KIP-429): poll() keeps reading what it owns,
//   gives up only the partitions of topics no longer subscribed, and
//   rejoins with the rest as its owned partitions;
// - assigned, cooperative: poll() revokes what the new assignment leaves out
//   (commit, on_revoked for those only), keeps the rest with their
//   positions, and, when it revoked anything, calls rejoin() so the
//   partitions it gave up are handed out in a second round;
// - lost: the coordinator no longer knows this generation (ILLEGAL_GENERATION,
//   UNKNOWN_MEMBER_ID): nothing is committed, poll()
//   drops the partitions and calls rejoin();
// - failed: an error that ends the membership (authorization, an assignor
//   no member shares, FENCED_INSTANCE_ID: another consumer joined with this
//   group.instance.id, KIP-345); poll() reports the partitions lost and
//   returns the error, and the member does not join again.
// Between revoke/lost and rejoin() no heartbeat is sent: like the Java
// client, a member whose application does not poll within the rebalance
// timeout (max.poll.interval.ms) is left out of the next generation.
// Heartbeats alone do not keep a stuck application in the group either: when
// max.poll.interval.ms passes with no poll() (counted from the later of the
// last poll and the start of the generation, as Java's poll timer), the
// member leaves (LeaveGroup; a static member just stops heartbeating, its
// session ends) and poll() reports the partitions lost and joins again.
//
// io_context thread only (like the pool, the cache and GroupOffsets).
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "cluster/metadata_cache.hpp"
#include "consumer/fetch_queue.hpp"
#include "consumer/group_offsets.hpp"
#include "kwire/consumer.hpp"

namespace kwire::detail {

struct GroupChange {
  enum class Kind : std::uint8_t { assigned, revoke, lost, failed };
  Kind kind = Kind::assigned;
  std::vector<TopicPartition> partitions;  // assigned
  GroupMember member;                      // assigned: who commits in this generation
  bool cooperative = false;                // assigned, revoke: the generation's protocol is incremental
  std::error_code error;                   // lost, failed
  std::string detail;
};

// When the application last called poll(): written by the polling thread
// (twice a poll, no lock), read by the heartbeat loop.
class PollTimer {
 public:
  using Clock = std::chrono::steady_clock;
  void entered() noexcept { inside_.store(true, std::memory_order_relaxed); }
  void left() noexcept {
    last_.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
    inside_.store(false, std::memory_order_release);
  }
  // A poll() waiting for records (or running the listener) counts as polling.
  bool inside() const noexcept { return inside_.load(std::memory_order_acquire); }
  Clock::time_point last() const noexcept {
    return Clock::time_point(Clock::duration(last_.load(std::memory_order_relaxed)));
  }

 private:
  std::atomic<Clock::rep> last_{Clock::now().time_since_epoch().count()};
  std::atomic<bool> inside_{false};
};

struct MembershipOptions {
  std::string group_id;
  std::optional<std::string> instance_id;
  std::chrono::milliseconds session_timeout{45000};
  std::chrono::milliseconds rebalance_timeout{300000};  // max.poll.interval.ms
  std::chrono::milliseconds heartbeat_interval{3000};
  std::chrono::milliseconds retry_backoff{100};
  std::chrono::milliseconds request_timeout{30000};
  std::vector<std::string> assignors;  // protocol names, preferred first
  std::string rack;
};

class GroupMembership : public std::enable_shared_from_this<GroupMembership> {
 public:
  using Clock = std::chrono::steady_clock;

  GroupMembership(asio::any_io_executor executor, std::shared_ptr<MetadataCache> cache,
                  std::shared_ptr<GroupOffsets> offsets, MembershipOptions options, std::shared_ptr<FetchQueue> queue,
                  std::shared_ptr<const PollTimer> polls);

  // Joins with these topics, or (already a member) rebalances for them.
  void subscribe(std::vector<std::string> topics);
  // poll() has applied a change: join the next generation, owning `owned`
  // (empty unless cooperative). A cooperative member still in `generation`
  // rejoins from the stable state (the second round of KIP-429).
  void rejoin(std::vector<TopicPartition> owned, std::int32_t generation);
  // A commit of `generation` was refused as stale: the partitions are lost.
  void fenced(std::int32_t generation, std::error_code ec);
  // Leaves the group (LeaveGroup, except a static member, which keeps its
  // place for session.timeout.ms as KIP-345 intends) and forgets the subscription.
  asio::awaitable<std::error_code> leave(Clock::time_point deadline);
  void stop();

  // Counts JoinGroup requests sent (tests read it through the consumer).
  std::uint64_t joins() const noexcept { return joins_; }

 private:
  enum class State : std::uint8_t { idle, joining, stable, waiting_for_poll, stopped };
  struct Joined;

  static asio::awaitable<void> run(std::shared_ptr<GroupMembership> self);
  // One JoinGroup/SyncGroup round; pushes `assigned` on success.
  asio::awaitable<std::error_code> join_and_sync();
  asio::awaitable<std::error_code> join(Joined& joined);
  asio::awaitable<std::error_code> assign_as_leader(const Joined& joined,
                                                    std::vector<std::pair<std::string, std::vector<std::uint8_t>>>& out);
  asio::awaitable<std::error_code> sync(const Joined& joined,
                                        const std::vector<std::pair<std::string, std::vector<std::uint8_t>>>& assignments,
                                        std::vector<TopicPartition>& mine);
  // Heartbeats until the generation ends (or the membership is left).
  asio::awaitable<void> heartbeat();
  // max.poll.interval.ms passed without a poll() in the generation begun at `since`.
  bool poll_overdue(Clock::time_point since) const;
  // Leaves the group for that (see above); poll() hears of it as lost.
  asio::awaitable<void> leave_for_poll_timeout(std::uint64_t epoch);
  // LeaveGroup for `member_id` (v3+ names it in the members list).
  asio::awaitable<std::error_code> send_leave_group(std::string member_id, Clock::time_point deadline);
  // Sends to the group coordinator; coordinator moves and lost connections
  // make it look the coordinator up again next time.
  template <typename Resp, typename Req>
  asio::awaitable<std::error_code> to_coordinator(const Req& request, std::chrono::milliseconds timeout,
                                                  std::optional<std::int16_t> min_version,
                                                  std::optional<std::int16_t> max_version,
                                                  net::Response<Resp>& response);
  std::error_code coordinator_error(std::error_code ec);
  // Ends the generation: the polling thread applies `change`, then calls rejoin().
  void end_generation(GroupChange change);
  // Ends the membership for good (no rejoin): poll() reports `ec`.
  void fail(std::error_code ec, const std::string& where);
  void push(GroupChange change);
  asio::awaitable<void> sleep_until(Clock::time_point when);
  void wake();
  GroupMember member() const;

  asio::any_io_executor executor_;
  std::shared_ptr<MetadataCache> cache_;
  std::shared_ptr<GroupOffsets> offsets_;
  const MembershipOptions options_;
  std::shared_ptr<FetchQueue> queue_;
  std::shared_ptr<const PollTimer> polls_;
  asio::steady_timer wake_timer_;
  bool running_ = false;

  State state_ = State::idle;
  std::vector<std::string> topics_;
  bool resubscribe_ = false;  // the subscription changed since the last join
  std::vector<TopicPartition> owned_;  // what the consumer holds: sent in JoinGroup for cooperative-sticky
  bool cooperative_ = false;           // the current generation's protocol is cooperative-sticky
  std::string member_id_;
  std::int32_t generation_ = -1;
  std::uint64_t epoch_ = 0;  // bumped by leave(): answers to older requests are dropped
  std::uint64_t joins_ = 0;
};

}  // namespace kwire::detail
