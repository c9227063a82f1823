// Which versions the TxnBroker advertises and answers, and the behaviour that
// newer versions change: EndTxn v5 (KIP-890 part 2, "transactions v2") moves
// the producer epoch at every transaction end, where v0-v4 keep it. Tests
// choose the advertised ranges with TxnBrokerOptions::advertise. Io thread
// (handlers) only, except advertised_versions, which reads only options.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kwire/protocol/messages/end_txn_request.hpp"
#include "txn_broker_handlers.hpp"

namespace kwire::test::txn {

struct VersionSpan {
  std::int16_t min = 0;
  std::int16_t max = -1;
};

// The highest version the handlers answer correctly for an API, or -1 when it
// is no more than the dispatch table's default.
std::int16_t answerable_max_version(std::int16_t api_key) noexcept;

// `defaults` unless the options name the API; then their range, clamped to
// [defaults.min, the answerable maximum].
VersionSpan advertised_versions(const TxnBrokerOptions& options, std::int16_t api_key, VersionSpan defaults);
// The same from a list of ranges (TxnBroker::advertise replaces the options' list).
VersionSpan advertised_versions(const std::vector<TxnApiVersions>& advertise, std::int16_t api_key,
                                VersionSpan defaults);

// The topic id the broker gives a topic (Metadata v10+): derived from the
// name, so every node and every test sees the same one.
kwire::protocol::Uuid topic_id_of(const std::string& topic) noexcept;

struct EndTxnV2Result {
  std::int16_t error = 0;
  std::int64_t producer_id = -1;
  std::int16_t epoch = -1;
};

// EndTxn v5 (mu held): checks id and epoch like v0-v4, then ends the
// transaction with markers of the next epoch (fencing late writes of this
// one) and moves the coordinator to that epoch, or to a new producer id at
// epoch 0 when the epoch is exhausted. An abort with nothing added only moves
// the epoch. A retry under the id and epoch the last transaction ended with
// gets the same outcome and the current id and epoch.
EndTxnV2Result end_transaction_bumping_epoch(BrokerState& s, const std::string& transactional_id,
                                             std::int64_t producer_id, std::int16_t epoch, bool commit);

// Answers a decoded EndTxn v5+ request (locks the state).
Reply answer_end_txn_v5(const RequestContext& ctx, const kwire::protocol::messages::EndTxnRequest& req,
                        BrokerState& s);

}  // namespace kwire::test::txn
