// The consumer's network side: for the assigned partitions, finds each
// position that is not known (ListOffsets per auto.offset.reset or a
// seek_to_beginning/end), then keeps one Fetch in flight per leader, each
// asking for every fetchable partition that leader leads, from the offset
// after the data already fetched. Responses go to the FetchQueue for poll();
// no Fetch is sent while fetched bytes above fetch.buffer.bytes wait there.
// A partition starting from its group's committed offset asks OffsetFetch
// (GroupOffsets) first. Paused partitions are not fetched (lookups go on).
// OFFSET_OUT_OF_RANGE resets per auto.offset.reset; retriable errors (leader
// moved, unknown partition, lost connection) refresh the metadata and retry
// after retry.backoff.ms; any other error stops the partition (reported
// through the queue) until the next seek.
// Leader epochs (KIP-320): each Fetch carries the leader epoch the metadata
// gives (FENCED/UNKNOWN_LEADER_EPOCH refresh it and retry). When that epoch
// moves past the one a partition was fetched under (or a position set by
// assign or seek comes with the epoch of the record before it), the partition fetches
// nothing until OffsetForLeaderEpoch (v3+) has told where the epoch of its last
// fetched batch ends on the new leader; if that is below the fetch position
// the log was truncated: with auto.offset.reset earliest/latest the position
// goes back to where the logs diverge (Java's rule: nothing the new leader
// holds is skipped), with none the partition stops with log_truncation. An
// epoch the leader does not know at all resets per auto.offset.reset. Brokers
// without OffsetForLeaderEpoch v3+ (and Metadata without epochs, such as
// librdkafka's mock) are not validated.
// Fetch sessions (KIP-227, Fetch v7+): one FetchSession per leader
// (fetch_session.hpp). The first Fetch to a leader asks for a session; once
// the broker opened one, each Fetch names only the partitions added or
// changed since the last and forgets those no longer fetched (paused, moved,
// waiting), and an answer lists only partitions with news: the others keep
// their state. FETCH_SESSION_ID_NOT_FOUND and INVALID_FETCH_SESSION_EPOCH
// drop the session and fetch again at once (full, a new session); a failed
// request or a lost connection makes the next Fetch full too. A leader that
// no longer leads any assigned partition gets a Fetch closing its session,
// and so does every leader with an open session when the consumer closes
// (stop(), as Java's consumer does: a broker's session cache has a limited
// number of slots).
//
// Thread: io_context thread only. The polling thread reaches it through
// asio::post (see ConsumerImpl).
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "cluster/metadata_cache.hpp"
#include "consumer/fetch_queue.hpp"
#include "consumer/fetch_session.hpp"
#include "consumer/group_offsets.hpp"
#include "kwire/consumer_config.hpp"
#include "kwire/net/connection_pool.hpp"

namespace kwire::detail {

// Where a partition starts: an offset, or a lookup. `committed` asks the
// group's committed offset first and falls back to auto.offset.reset.
struct StartPosition {
  enum class Kind : std::uint8_t { offset, earliest, latest, none, committed } kind = Kind::none;
  std::int64_t offset = -1;
  // With an offset: the leader epoch of the record before it, if known; the
  // position is then validated against the leader's log (KIP-320) first.
  std::int32_t epoch = -1;
};

struct FetcherOptions {
  IsolationLevel isolation = IsolationLevel::read_uncommitted;
  OffsetReset reset = OffsetReset::latest;
  std::int32_t min_bytes = 1;
  std::chrono::milliseconds max_wait{500};
  std::int32_t max_bytes = 52428800;
  std::int32_t partition_max_bytes = 1048576;
  std::chrono::milliseconds retry_backoff{100};
  std::chrono::milliseconds request_timeout{30000};
  std::string rack;
};

class Fetcher : public std::enable_shared_from_this<Fetcher> {
 public:
  using Clock = std::chrono::steady_clock;

  Fetcher(asio::any_io_executor executor, std::shared_ptr<net::ConnectionPool> pool,
          std::shared_ptr<MetadataCache> cache, FetcherOptions options, std::shared_ptr<FetchQueue> queue,
          std::shared_ptr<FetchMemory> memory, std::shared_ptr<GroupOffsets> offsets = nullptr);

  void start();
  // Stops fetching (nothing new starts) and closes the session of every
  // leader that has one open: a Fetch with the session's id, epoch -1 and no
  // partitions, sent once the leader's Fetch in flight (if any) is answered
  // (one Fetch per session at a time). Completes when those closes and any
  // sent earlier are answered (whatever the answer) or at `deadline`,
  // whichever comes first; the pool's shutdown ends what is left. Without a
  // session, at once.
  asio::awaitable<void> stop(Clock::time_point deadline);

  struct Assigned {
    PartitionKey partition;
    std::uint64_t generation = 0;
    StartPosition start;
  };
  // Replaces the assignment; partitions already assigned with the same
  // generation keep their fetch state.
  void assign(const std::vector<Assigned>& partitions);
  // A new start for one assigned partition (seek); data of older generations is dropped.
  void seek(const Assigned& partition);
  // Stops or restarts fetching one assigned partition.
  void pause(const PartitionKey& partition, bool paused);
  // Looks again at what can be fetched (memory released, metadata changed).
  void wake();

 private:
  struct State {
    std::uint64_t generation = 0;
    std::int64_t fetch_offset = -1;  // next offset to fetch; -1 while a lookup is pending
    StartPosition::Kind lookup = StartPosition::Kind::none;  // earliest/latest lookup pending
    bool in_flight = false;
    bool stopped = false;  // an error was reported; waits for a seek
    bool paused = false;
    std::int32_t leader_epoch = -1;   // the metadata's leader epoch the partition was last fetched under
    std::int32_t fetched_epoch = -1;  // leader epoch of the last batch fetched; -1 unknown
    bool validate = false;            // the leader epoch moved: OffsetForLeaderEpoch before fetching
    bool awaiting_leader = false;     // retry_at is the wait for a leader the metadata did not name
    Clock::time_point retry_at{};
  };
  struct Sent {
    PartitionKey partition;
    std::uint64_t generation;
    std::int64_t offset;
    std::int32_t leader_epoch = -1;
    std::int32_t fetched_epoch = -1;
  };

  static asio::awaitable<void> run(std::shared_ptr<Fetcher> self);
  // Starts what can start now; returns when to look again at the earliest.
  Clock::time_point dispatch();
  asio::awaitable<void> fetch(std::shared_ptr<Fetcher> self, std::int32_t leader, std::vector<Sent> sent);
  // Closes the fetch session of a leader that leads no assigned partition
  // now, or of any leader at stop(); `timeout` bounds the request.
  asio::awaitable<void> close_session(std::shared_ptr<Fetcher> self, std::int32_t leader, SessionRequest close,
                                      std::chrono::milliseconds timeout);
  // Sends the close of the leader's session (which must be open) and marks the
  // leader busy until it is answered.
  void send_close(std::int32_t leader, FetchSession& session, std::chrono::milliseconds timeout);
  // The request in flight to `leader` (a Fetch or a close) finished.
  void leader_done(std::int32_t leader);
  // Sends a close for each open session whose leader leads none of `led`.
  void close_idle_sessions(const std::set<std::int32_t>& led);
  asio::awaitable<void> list_offsets(std::shared_ptr<Fetcher> self, std::int32_t leader, std::vector<Sent> sent);
  asio::awaitable<void> fetch_committed(std::shared_ptr<Fetcher> self, std::vector<Sent> sent);
  asio::awaitable<void> validate(std::shared_ptr<Fetcher> self, std::int32_t leader, std::vector<Sent> sent);
  // After OffsetForLeaderEpoch: the epoch `answered` ends at `end_offset` on the leader.
  void validated(const Sent& sent, State& state, std::int32_t answered, std::int64_t end_offset);
  StartPosition::Kind reset_kind() const noexcept;
  // Waits (at most retry.backoff.ms) for the cache to know `topic`, then lets
  // its partitions waiting for a leader go at once if one is known now: a
  // consumer assigned before the topic's metadata arrived reads as soon as it
  // does, not a backoff later. One wait per topic at a time.
  void await_topic(const std::string* topic);
  // The state a response is for, if the partition is still where the request left it.
  State* current(const Sent& sent);
  void request_done(const std::vector<Sent>& sent);
  void retry_later(State& state, std::error_code ec);
  void stop_partition(const PartitionKey& key, State& state, std::error_code ec, std::string detail);
  // `epoch`: the leader epoch of the record before `offset`, -1 if unknown.
  void set_position(const PartitionKey& key, State& state, std::int64_t offset, std::int32_t epoch = -1);

  asio::any_io_executor executor_;
  std::shared_ptr<net::ConnectionPool> pool_;
  std::shared_ptr<MetadataCache> cache_;
  const FetcherOptions options_;
  std::shared_ptr<FetchQueue> queue_;
  std::shared_ptr<FetchMemory> memory_;
  std::shared_ptr<GroupOffsets> offsets_;  // null without group.id
  std::map<PartitionKey, State> partitions_;
  std::set<std::int32_t> fetching_;  // leaders with a Fetch in flight
  std::int64_t reserved_ = 0;        // the max_bytes of the Fetches in flight (fetch_budget)
  std::map<std::int32_t, FetchSession> sessions_;  // per leader (KIP-227)
  int closing_ = 0;                                // closes in flight
  std::set<const std::string*> awaited_topics_;  // await_topic() waiting
  asio::steady_timer wake_timer_;
  asio::steady_timer stop_timer_;  // stop() waiting for its leaders; cancelled as each request ends
  bool wake_pending_ = false;
  bool stopped_ = false;
};

}  // namespace kwire::detail
