// TxnBroker: an in-process Kafka cluster for tests that need what
// librdkafka's mock cluster lacks (see ../shared/MOCK-CLUSTER.md): EndTxn
// writes COMMIT/ABORT control batches, read_committed Fetch stops at the last
// stable offset and lists aborted transactions, InitProducerId fences the
// previous epoch of a transactional id (aborting its open transaction; v3+
// naming an id and epoch other than the current ones is PRODUCER_FENCED, a
// retry of such a bump gets the same answer, as in KIP-360), and
// Produce judges idempotent batches by Kafka's producer-state rules
// (../shared/KAFKA-PRODUCER-STATE.md): per partition and producer id an
// epoch, the last sequence and the last 5 batches (a duplicate of one of
// them answers the original offset); any first sequence from a producer the
// partition holds no state for; a stale epoch is INVALID_PRODUCER_EPOCH; a
// newer epoch starts at 0; a transaction marker older than the partition's
// epoch for its producer is refused (the transaction stays open there).
// Several nodes (TxnBrokerOptions::nodes, ids 1..n) share one log: each
// partition has a leader node (others answer NOT_LEADER_OR_FOLLOWER), one
// node coordinates transactions and groups (others answer NOT_COORDINATOR).
// Faults (txn_broker_faults.hpp): refused or written-then-failed batches,
// lost acknowledgements, cut connections, hostile responses, added latency,
// Produce throttle times, paused reading, API errors, stopped nodes, leader
// moves, topic deletion.
// Fetch sessions (KIP-227) as Kafka's FetchSessionCache keeps them, with
// switches to refuse sessions, evict them and skew their epochs.
// Built on kwire's generated messages and records layer.
//
// APIs: ApiVersions v0-3, Metadata v0-9, FindCoordinator v0-3, InitProducerId
// v0-4, AddPartitionsToTxn v0-3, AddOffsetsToTxn v0-3, TxnOffsetCommit v0-3,
// EndTxn v0-3, Produce v3-9, Fetch v4-12, ListOffsets v1-7, OffsetFetch v1-7,
// OffsetCommit v2-8 (checked by the group coordinator), JoinGroup v0-9,
// SyncGroup v0-5, Heartbeat v0-4, LeaveGroup v0-5 (a classic group
// coordinator with static membership, txn_broker_group_state.hpp),
// OffsetForLeaderEpoch v0-4 (Fetch v9+ and it check the current leader epoch:
// FENCED_LEADER_EPOCH if older, UNKNOWN_LEADER_EPOCH if newer).
// Anything else closes the connection. TxnBrokerOptions::advertise changes a
// range, up to the versions the broker can answer (txn_broker_versions.hpp):
// Produce v11, Metadata v12 (topic ids derived from the name),
// InitProducerId v5, AddOffsetsToTxn v4, TxnOffsetCommit v4, EndTxn v5;
// EndTxn v4 keeps the epoch, EndTxn v5 moves it at every transaction end
// (KIP-890 part 2).
//
// Threads: the broker runs one thread with its own asio::io_context; every
// public member may be called from any other thread (the state is behind a
// mutex).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "txn_broker_faults.hpp"
#include "txn_broker_fetch_sessions.hpp"
#include "txn_broker_groups.hpp"

namespace kwire::test {

// An API's version range as the broker advertises it in ApiVersions.
struct TxnApiVersions {
  std::int16_t api_key = -1;
  std::int16_t min_version = 0;
  std::int16_t max_version = -1;
};

struct TxnBrokerOptions {
  // Partitions of a topic created by a Metadata request (auto-creation).
  int default_partitions = 1;
  bool auto_create_topics = true;
  // Nodes sharing the one log, ids 1..nodes, each on a port of its own.
  int nodes = 1;
  // Ranges that replace the advertised defaults (one version exactly, or the
  // newest the broker answers), clamped to what it can answer; requests
  // outside the advertised range close the connection, as before.
  std::vector<TxnApiVersions> advertise;
  // SO_RCVBUF of accepted connections (0: the system's): small, with
  // pause_reading(), it makes the client's socket writes stall.
  int socket_receive_buffer = 0;
};

// One aborted transaction in a partition's aborted index: the producer's
// records in [first_offset, last_offset] are aborted (last_offset is the
// ABORT marker's offset).
struct TxnAbortedRange {
  std::int64_t producer_id = -1;
  std::int64_t first_offset = -1;
  std::int64_t last_offset = -1;
};

// One data record of a partition as the broker stores it.
struct TxnStoredRecord {
  std::int64_t offset = -1;
  std::optional<std::string> key;
};

// A producer id and epoch as the coordinator holds them for a transactional id.
struct TxnProducerIdentity {
  std::int64_t producer_id = -1;
  std::int16_t epoch = -1;
  bool transaction_open = false;  // partitions or offsets were added and not yet ended
};

class TxnBroker {
 public:
  explicit TxnBroker(TxnBrokerOptions options = {});
  ~TxnBroker();
  TxnBroker(const TxnBroker&) = delete;
  TxnBroker& operator=(const TxnBroker&) = delete;

  std::uint16_t port(std::int32_t node = 1) const;
  // "127.0.0.1:<port>,..." of every node.
  std::string bootstrap() const;
  int nodes() const noexcept;

  // Creates a topic with this many partitions (no-op if it exists).
  void create_topic(const std::string& name, int partitions);
  // Removes the topic and its logs: UNKNOWN_TOPIC_OR_PARTITION from now on
  // (and, with auto-creation on, a new empty topic at the next Metadata).
  void delete_topic(const std::string& name);

  // Replaces TxnBrokerOptions::advertise from now on (the next ApiVersions
  // answers and version checks): a test can force versions on one client,
  // then let a reader with other versions in.
  void advertise(std::vector<TxnApiVersions> ranges);

  // ---- cluster ----------------------------------------------------------------
  // Partition p of a topic is led by node (p % nodes) + 1 until moved; a move
  // bumps the partition's leader epoch.
  void set_leader(const std::string& topic, std::int32_t partition, std::int32_t node);
  // An unclean leader election: `node` leads from now on (epoch bumped) and
  // its log ends at `new_end` (a batch boundary): the records from there on
  // are gone, and the next ones written take their offsets. What a consumer
  // that read them must detect (KIP-320, OffsetForLeaderEpoch).
  void unclean_leader_election(const std::string& topic, std::int32_t partition, std::int32_t node,
                               std::int64_t new_end);
  std::int32_t leader(const std::string& topic, std::int32_t partition) const;
  // The node FindCoordinator names for every transactional id and group (1 at first).
  void set_coordinator(std::int32_t node);
  // Closes the node's listener and connections (connection refused until
  // start_node, which listens on the same port again). Waits until done.
  void stop_node(std::int32_t node);
  void start_node(std::int32_t node);

  // ---- introspection --------------------------------------------------------
  // The group's committed offset for a partition, as set by a committed
  // transaction (TxnOffsetCommit, then EndTxn commit); nullopt if none.
  std::optional<std::int64_t> committed_offset(const std::string& group, const std::string& topic,
                                               std::int32_t partition) const;
  // Control batches (transaction markers) written to a partition so far.
  int control_batches(const std::string& topic, std::int32_t partition) const;
  // All batches (data and control) stored in the partition.
  int stored_batches(const std::string& topic, std::int32_t partition) const;
  // Next offset to be assigned (0 for an unknown partition).
  std::int64_t high_watermark(const std::string& topic, std::int32_t partition) const;
  // First offset of the oldest open transaction, or the high watermark.
  std::int64_t last_stable_offset(const std::string& topic, std::int32_t partition) const;
  // The partition's aborted index, oldest first.
  std::vector<TxnAbortedRange> aborted_transactions(const std::string& topic, std::int32_t partition) const;
  // The stored batches of a partition, exactly as a Fetch would serve them
  // (base offsets assigned, CRCs valid), oldest first.
  std::vector<std::vector<std::uint8_t>> batches(const std::string& topic, std::int32_t partition) const;
  // The partition's data records, oldest first, as a consumer would read
  // them: read_committed stops at the last stable offset and leaves out the
  // records of aborted transactions (the aborted index, as a Fetch lists it).
  // The fault suite reads its log back through this where librdkafka cannot
  // run (ThreadSanitizer builds: its threads are not instrumented).
  std::vector<TxnStoredRecord> records(const std::string& topic, std::int32_t partition, bool read_committed) const;
  // What the coordinator holds for a transactional id; nullopt if unknown.
  std::optional<TxnProducerIdentity> transactional_producer(const std::string& transactional_id) const;
  // A consumer group as the group coordinator holds it; nullopt if no member ever asked to join it.
  std::optional<TxnGroupView> group(const std::string& group_id) const;
  TxnGroupCounters group_counters() const;

  // ---- faults and counters --------------------------------------------------
  // Rules are consumed as they fire (see txn_broker_faults.hpp).
  void add_produce_fault(ProduceFault fault);
  void add_api_fault(ApiFault fault);
  void set_random_produce_faults(RandomProduceFaults faults);
  // Forgets every pending rule, the random faults, latency and pauses.
  void clear_faults();
  // Responses of `node` (0: every node) leave `rtt` after their request arrived.
  void set_rtt(std::int32_t node, std::chrono::milliseconds rtt);
  // Produce responses of `node` (0: every node) say the client was throttled
  // for `throttle` (throttle_time_ms, as a broker over a quota answers since
  // KIP-219), without being late; librdkafka's mock cannot set it.
  void set_produce_throttle(std::int32_t node, std::chrono::milliseconds throttle);
  // While paused, the node handles no request: each connection holds the one
  // it has read and reads no further (0: every node).
  void pause_reading(std::int32_t node, bool paused);
  TxnFaultCounters fault_counters() const;
  // The next n Produce requests are written to the log (and checked as
  // usual), but their responses are never sent: a lost acknowledgement. With
  // close_connection the connection is also closed right after the write, so
  // the client notices at once instead of waiting for its request timeout.
  void drop_next_produce_responses(int n, bool close_connection = false);
  int produce_requests_seen() const;
  int produce_responses_dropped() const;
  // Produce partition results answered with these errors so far (Kafka codes):
  // how many duplicates, gaps and fenced epochs the sequence checks caught.
  int duplicate_batches_seen() const;
  int produce_errors_seen(std::int16_t error_code) const;
  int init_producer_id_requests() const;
  // InitProducerId requests for a transactional id that named the caller's
  // current producer id and epoch (v3+, KIP-360) and were granted the next epoch.
  int init_producer_id_resumes() const;
  int end_txn_requests() const;

  // ---- fetch sessions (KIP-227, Fetch v7+; txn_broker_fetch_session_cache.hpp) ----
  // On by default. Off: a Fetch asking for a session gets session id 0 (full fetches).
  void set_fetch_sessions(bool enabled);
  // Drops the sessions of `node` (0: every node): the next incremental Fetch
  // gets FETCH_SESSION_ID_NOT_FOUND, as after an eviction from Kafka's cache.
  void evict_fetch_sessions(std::int32_t node = 0);
  // Moves every session's expected epoch one ahead: the next incremental
  // Fetch gets INVALID_FETCH_SESSION_EPOCH.
  void skew_fetch_session_epochs();
  int open_fetch_sessions(std::int32_t node = 0) const;
  // Every Fetch answered so far, oldest first.
  std::vector<TxnFetchSeen> fetches_seen() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace kwire::test
