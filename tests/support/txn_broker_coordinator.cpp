// The TxnBroker's transaction coordinator and state helpers (see txn_broker_state.hpp).
#include <algorithm>
#include <chrono>

#include "kwire/protocol/errors.hpp"
#include "txn_broker_state.hpp"

namespace kwire::test::txn {

using kwire::protocol::kafka_errc;
namespace records = kwire::protocol::records;

namespace {
constexpr std::int16_t code(kafka_errc e) { return static_cast<std::int16_t>(e); }

// Ends the open transaction with markers of `marker_epoch` (the current epoch,
// or the next one when fencing).
void complete(BrokerState& s, Transaction& t, bool commit, std::int16_t marker_epoch) {
  auto type = commit ? records::ControlType::commit : records::ControlType::abort;
  auto ts = now_ms();
  for (const auto& [topic, index] : t.partitions)
    if (auto* log = s.partition(topic, index))
      if (!log->append_marker(t.producer_id, marker_epoch, type, ts)) ++s.faults.counters.stale_markers_refused;
  if (commit)
    for (auto& [group, offsets] : t.pending_offsets)
      for (auto& [key, committed] : offsets) s.group_offsets[group][key] = committed;
  t.partitions.clear();
  t.groups.clear();
  t.pending_offsets.clear();
  t.open = false;
  t.last_outcome = commit ? Transaction::Outcome::committed : Transaction::Outcome::aborted;
}
}  // namespace

void complete_transaction(BrokerState& s, Transaction& t, bool commit, std::int16_t marker_epoch) {
  complete(s, t, commit, marker_epoch);
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

PartitionLog* BrokerState::partition(const std::string& topic, std::int32_t index) {
  auto it = topics.find(topic);
  if (it == topics.end() || index < 0 || static_cast<std::size_t>(index) >= it->second.size()) return nullptr;
  return &it->second[static_cast<std::size_t>(index)];
}

BrokerState::Leadership BrokerState::leader_of(const std::string& topic, std::int32_t index) const {
  auto it = moved_leaders.find({topic, index});
  if (it != moved_leaders.end()) return it->second;
  return {index % std::max(nodes(), 1) + 1, 0};
}

void BrokerState::ensure_topic(const std::string& name, int partitions) {
  if (topics.count(name) || partitions <= 0) return;
  topics[name].resize(static_cast<std::size_t>(partitions));
}

ProducerIdResult init_producer_id(BrokerState& s, const std::optional<std::string>& transactional_id,
                                  std::int64_t expected_producer_id, std::int16_t expected_epoch) {
  ++s.init_producer_id_requests;
  ProducerIdResult out;
  if (!transactional_id || transactional_id->empty()) {
    // Idempotent producer: a fresh id, or (KIP-360) the next epoch of its own id.
    if (expected_producer_id >= 0 && expected_epoch >= 0 && expected_epoch < INT16_MAX) {
      out.producer_id = expected_producer_id;
      out.epoch = static_cast<std::int16_t>(expected_epoch + 1);
    } else {
      out.producer_id = s.next_producer_id++;
      out.epoch = 0;
    }
    return out;
  }
  auto it = s.transactions.find(*transactional_id);
  if (it == s.transactions.end()) {
    Transaction t;
    t.producer_id = s.next_producer_id++;
    t.epoch = 0;
    s.transactional_id_of[t.producer_id] = *transactional_id;
    it = s.transactions.emplace(*transactional_id, std::move(t)).first;
    out.producer_id = it->second.producer_id;
    out.epoch = it->second.epoch;
    return out;
  }
  Transaction& t = it->second;
  if (expected_producer_id >= 0 && expected_producer_id == t.producer_id && expected_epoch >= 0 &&
      expected_epoch == t.previous_epoch) {
    // A retry of a bump already made (its answer was lost): the same answer.
    out.producer_id = t.producer_id;
    out.epoch = t.epoch;
    return out;
  }
  if (expected_producer_id >= 0 && (expected_producer_id != t.producer_id || expected_epoch != t.epoch)) {
    out.error = code(kafka_errc::producer_fenced);
    return out;
  }
  if (expected_producer_id >= 0) ++s.init_producer_id_resumes;
  t.previous_epoch = expected_producer_id >= 0 ? t.epoch : -1;
  if (t.epoch == INT16_MAX - 1) {
    // Epoch exhausted: Kafka moves the id to a new producer id.
    if (t.open) complete(s, t, false, INT16_MAX);
    s.transactional_id_of.erase(t.producer_id);
    t.producer_id = s.next_producer_id++;
    t.epoch = 0;
    s.transactional_id_of[t.producer_id] = *transactional_id;
  } else {
    auto next = static_cast<std::int16_t>(t.epoch + 1);
    // The previous epoch's transaction is aborted with the new epoch's
    // markers: its producer is fenced in every partition it wrote to.
    if (t.open) complete(s, t, false, next);
    t.epoch = next;
  }
  t.last_outcome = Transaction::Outcome::none;
  out.producer_id = t.producer_id;
  out.epoch = t.epoch;
  return out;
}

std::int16_t find_transaction(BrokerState& s, const std::string& transactional_id, std::int64_t producer_id,
                              std::int16_t epoch, Transaction*& out) {
  out = nullptr;
  auto it = s.transactions.find(transactional_id);
  if (it == s.transactions.end() || it->second.producer_id != producer_id)
    return code(kafka_errc::invalid_producer_id_mapping);
  if (it->second.epoch != epoch) return code(kafka_errc::producer_fenced);
  out = &it->second;
  return 0;
}

std::int16_t end_transaction(BrokerState& s, const std::string& transactional_id, std::int64_t producer_id,
                             std::int16_t epoch, bool commit) {
  ++s.end_txn_requests;
  Transaction* t = nullptr;
  if (auto err = find_transaction(s, transactional_id, producer_id, epoch, t)) return err;
  if (!t->open) {
    // A retry of an EndTxn that already completed succeeds again.
    auto wanted = commit ? Transaction::Outcome::committed : Transaction::Outcome::aborted;
    return t->last_outcome == wanted ? 0 : code(kafka_errc::invalid_txn_state);
  }
  complete(s, *t, commit, epoch);
  return 0;
}

bool transaction_has_partition(const BrokerState& s, std::int64_t producer_id, const std::string& topic,
                               std::int32_t partition) {
  auto id = s.transactional_id_of.find(producer_id);
  if (id == s.transactional_id_of.end()) return false;
  auto t = s.transactions.find(id->second);
  return t != s.transactions.end() && t->second.open && t->second.partitions.count({topic, partition}) > 0;
}

bool offset_pending(const BrokerState& s, const std::string& group, const std::string& topic,
                    std::int32_t partition) {
  for (const auto& [id, t] : s.transactions) {
    auto g = t.pending_offsets.find(group);
    if (t.open && g != t.pending_offsets.end() && g->second.count({topic, partition})) return true;
  }
  return false;
}

}  // namespace kwire::test::txn
