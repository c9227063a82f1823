// TxnBroker: advertised version ranges and EndTxn v5's moving epoch (see
// txn_broker_versions.hpp).
#include "txn_broker_versions.hpp"

#include <algorithm>
#include <climits>

#include "kwire/protocol/errors.hpp"
#include "kwire/protocol/messages/end_txn_response.hpp"

namespace kwire::test::txn {

namespace msg = kwire::protocol::messages;
using kwire::protocol::kafka_errc;

namespace {

constexpr std::int16_t code(kafka_errc e) { return static_cast<std::int16_t>(e); }

struct Answerable {
  std::int16_t api_key;
  std::int16_t max_version;
};

// Beyond the defaults the dispatch table advertises.
constexpr Answerable kAnswerable[] = {
    {0, 11},  // Produce: v10 adds tagged leader hints (KIP-951), v11 TRANSACTION_ABORTABLE
    {3, 12},  // Metadata: v10 adds topic ids, v11 drops cluster operations, v12 ids in requests
    {22, 5},  // InitProducerId: v5 adds TRANSACTION_ABORTABLE
    {25, 4},  // AddOffsetsToTxn: v4 adds TRANSACTION_ABORTABLE
    {26, 5},  // EndTxn: v4 adds TRANSACTION_ABORTABLE, v5 moves the epoch
    {28, 4},  // TxnOffsetCommit: v4 adds TRANSACTION_ABORTABLE
};

}  // namespace

std::int16_t answerable_max_version(std::int16_t api_key) noexcept {
  for (const auto& a : kAnswerable)
    if (a.api_key == api_key) return a.max_version;
  return -1;
}

VersionSpan advertised_versions(const TxnBrokerOptions& options, std::int16_t api_key, VersionSpan defaults) {
  return advertised_versions(options.advertise, api_key, defaults);
}

VersionSpan advertised_versions(const std::vector<TxnApiVersions>& advertise, std::int16_t api_key,
                                VersionSpan defaults) {
  for (const auto& wanted : advertise) {
    if (wanted.api_key != api_key) continue;
    const std::int16_t highest = std::max(defaults.max, answerable_max_version(api_key));
    return {std::max(defaults.min, wanted.min_version), std::min(highest, wanted.max_version)};
  }
  return defaults;
}

EndTxnV2Result end_transaction_bumping_epoch(BrokerState& s, const std::string& transactional_id,
                                             std::int64_t producer_id, std::int16_t epoch, bool commit) {
  ++s.end_txn_requests;
  auto it = s.transactions.find(transactional_id);
  if (it == s.transactions.end()) return {code(kafka_errc::invalid_producer_id_mapping)};
  Transaction& t = it->second;
  const auto wanted = commit ? Transaction::Outcome::committed : Transaction::Outcome::aborted;
  if (!t.open && t.last_outcome != Transaction::Outcome::none && producer_id == t.ended_producer_id &&
      epoch == t.ended_epoch) {
    // The answer to this EndTxn was lost: the client retries under the old epoch.
    if (t.last_outcome != wanted) return {code(kafka_errc::invalid_txn_state)};
    return {0, t.producer_id, t.epoch};
  }
  if (producer_id != t.producer_id) return {code(kafka_errc::invalid_producer_id_mapping)};
  if (epoch != t.epoch) return {code(kafka_errc::producer_fenced)};
  if (!t.open && commit) return {code(kafka_errc::invalid_txn_state)};
  const auto next = static_cast<std::int16_t>(t.epoch + 1);
  if (t.open) {
    complete_transaction(s, t, commit, next);
  } else {
    t.last_outcome = Transaction::Outcome::aborted;
  }
  t.ended_producer_id = t.producer_id;
  t.ended_epoch = t.epoch;
  if (next >= INT16_MAX) {
    // Epoch exhausted: the transactional id moves to a new producer id.
    s.transactional_id_of.erase(t.producer_id);
    t.producer_id = s.next_producer_id++;
    t.epoch = 0;
    s.transactional_id_of[t.producer_id] = transactional_id;
  } else {
    t.epoch = next;
  }
  return {0, t.producer_id, t.epoch};
}

kwire::protocol::Uuid topic_id_of(const std::string& topic) noexcept {
  // FNV-1a, twice with different seeds: stable, distinct per name, never zero.
  kwire::protocol::Uuid id;
  std::uint64_t h[2] = {1469598103934665603ull, 1099511628211ull * 31};
  for (auto& one : h)
    for (unsigned char c : topic) one = (one ^ c) * 1099511628211ull;
  for (int i = 0; i < 8; ++i) {
    id.bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(h[0] >> (8 * i));
    id.bytes[static_cast<std::size_t>(8 + i)] = static_cast<std::uint8_t>(h[1] >> (8 * i));
  }
  id.bytes[0] |= 1;
  return id;
}

Reply answer_end_txn_v5(const RequestContext& ctx, const msg::EndTxnRequest& req, BrokerState& s) {
  std::lock_guard lock(s.mu);
  auto result = end_transaction_bumping_epoch(s, req.transactional_id, req.producer_id, req.producer_epoch,
                                              req.committed);
  msg::EndTxnResponse resp;
  resp.error_code = result.error;
  resp.producer_id = result.producer_id;
  resp.producer_epoch = result.epoch;
  return respond(ctx, resp);
}

}  // namespace kwire::test::txn
