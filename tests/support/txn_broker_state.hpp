// Everything the TxnBroker (txn_broker.hpp) knows: topics and their partition
// logs, the transaction coordinator's state per transactional id, committed
// group offsets, counters, the injected faults (txn_broker_fault_state.hpp)
// and the cluster's shape (nodes, partition leaders, the coordinator). The coordinator operations
// (txn_broker_coordinator.cpp) keep Kafka's rules: epochs fence, EndTxn writes
// markers into every partition of the transaction, committed offsets become
// visible only on commit.
// Threads: the io thread and test threads; hold `mu` for every access.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "txn_broker.hpp"
#include "txn_broker_fault_state.hpp"
#include "txn_broker_fetch_session_cache.hpp"
#include "txn_broker_group_state.hpp"
#include "txn_broker_log.hpp"

namespace kwire::test::txn {

using PartitionKey = std::pair<std::string, std::int32_t>;

struct CommittedOffset {
  std::int64_t offset = -1;
  std::optional<std::string> metadata;
  std::int32_t leader_epoch = -1;  // OffsetCommit v6+ / TxnOffsetCommit v2+; OffsetFetch v5+ answers it
};

struct Transaction {
  std::int64_t producer_id = -1;
  std::int16_t epoch = -1;
  bool open = false;  // partitions or offsets added, EndTxn not yet received
  std::set<PartitionKey> partitions;
  std::set<std::string> groups;
  // TxnOffsetCommit offsets, per group, visible only after a commit.
  std::map<std::string, std::map<PartitionKey, CommittedOffset>> pending_offsets;
  enum class Outcome { none, committed, aborted } last_outcome = Outcome::none;
  // The id and epoch the last transaction ended under when EndTxn v5 moved
  // them (KIP-890 part 2), so a retried EndTxn is recognised.
  std::int64_t ended_producer_id = -1;
  std::int16_t ended_epoch = -1;
  // The epoch before the last bump a client asked for with its current epoch
  // (KIP-360), so a retry of that InitProducerId gets the same answer.
  std::int16_t previous_epoch = -1;
};

struct BrokerState {
  explicit BrokerState(TxnBrokerOptions opts) : options(opts) {}

  std::mutex mu;  // guards every member below
  TxnBrokerOptions options;
  std::string host = "127.0.0.1";
  std::vector<std::int32_t> ports;  // per node: node id i + 1 listens on ports[i]

  // Cluster shape: nodes 1..ports.size() share this state (one log). A
  // partition's leader is (index % nodes) + 1 until set_leader moves it;
  // the transaction and group coordinator is `coordinator`.
  struct Leadership {
    std::int32_t node = -1;
    std::int32_t epoch = 0;
  };
  std::map<PartitionKey, Leadership> moved_leaders;
  std::int32_t coordinator = 1;
  Leadership leader_of(const std::string& topic, std::int32_t index) const;
  std::int32_t nodes() const noexcept { return static_cast<std::int32_t>(ports.size()); }

  std::map<std::string, std::vector<PartitionLog>> topics;
  std::map<std::string, Transaction> transactions;           // by transactional id
  std::map<std::int64_t, std::string> transactional_id_of;   // producer id -> transactional id
  std::map<std::string, std::map<PartitionKey, CommittedOffset>> group_offsets;
  GroupCoordinatorState classic_groups;  // group membership (txn_broker_group_state.hpp)
  std::int64_t next_producer_id = 1000;

  // Counters and faults.
  int produce_requests = 0;
  int produce_responses_dropped = 0;
  int duplicate_batches = 0;
  std::map<std::int16_t, int> produce_errors;
  int init_producer_id_requests = 0;
  int init_producer_id_resumes = 0;
  int end_txn_requests = 0;
  FaultState faults;
  FetchSessionCache fetch_sessions;  // KIP-227 (txn_broker_fetch_session_cache.hpp)

  // nullptr for an unknown topic or partition.
  PartitionLog* partition(const std::string& topic, std::int32_t index);
  // Creates the topic with `partitions` partitions unless it exists.
  void ensure_topic(const std::string& name, int partitions);
};

// ---- transaction coordinator (mu held) --------------------------------------
struct ProducerIdResult {
  std::int16_t error = 0;
  std::int64_t producer_id = -1;
  std::int16_t epoch = -1;
};
// A new id (idempotent producer) or, for a transactional id, the next epoch,
// aborting the previous epoch's open transaction (fencing that producer).
// expected_*: the caller's current id and epoch (v3+), -1 when it has none.
ProducerIdResult init_producer_id(BrokerState& s, const std::optional<std::string>& transactional_id,
                                  std::int64_t expected_producer_id, std::int16_t expected_epoch);
// Finds the transaction and checks the producer id and epoch: 0 and `out`
// set, or INVALID_PRODUCER_ID_MAPPING / PRODUCER_FENCED.
std::int16_t find_transaction(BrokerState& s, const std::string& transactional_id, std::int64_t producer_id,
                              std::int16_t epoch, Transaction*& out);
// Ends the open transaction with markers of `marker_epoch` in every partition
// (offsets become visible on commit); no checks.
void complete_transaction(BrokerState& s, Transaction& t, bool commit, std::int16_t marker_epoch);
// Commits or aborts: markers into every partition, offsets on commit.
std::int16_t end_transaction(BrokerState& s, const std::string& transactional_id, std::int64_t producer_id,
                             std::int16_t epoch, bool commit);
// Does the producer's open transaction include this partition?
bool transaction_has_partition(const BrokerState& s, std::int64_t producer_id, const std::string& topic,
                               std::int32_t partition);
// Is an offset for this group partition waiting in an open transaction?
bool offset_pending(const BrokerState& s, const std::string& group, const std::string& topic,
                    std::int32_t partition);

std::int64_t now_ms();

}  // namespace kwire::test::txn
