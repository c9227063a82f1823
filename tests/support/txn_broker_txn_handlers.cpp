// Transaction APIs and committed offsets for the TxnBroker: InitProducerId,
// AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit, EndTxn, OffsetFetch.
// The rules live in the coordinator (txn_broker_coordinator.cpp); these
// functions decode, lock and answer. Io thread only.
#include "kwire/protocol/errors.hpp"
#include "kwire/protocol/messages/add_offsets_to_txn_request.hpp"
#include "kwire/protocol/messages/add_offsets_to_txn_response.hpp"
#include "kwire/protocol/messages/add_partitions_to_txn_request.hpp"
#include "kwire/protocol/messages/add_partitions_to_txn_response.hpp"
#include "kwire/protocol/messages/end_txn_request.hpp"
#include "kwire/protocol/messages/end_txn_response.hpp"
#include "kwire/protocol/messages/init_producer_id_request.hpp"
#include "kwire/protocol/messages/init_producer_id_response.hpp"
#include "kwire/protocol/messages/offset_fetch_request.hpp"
#include "kwire/protocol/messages/offset_fetch_response.hpp"
#include "kwire/protocol/messages/txn_offset_commit_request.hpp"
#include "kwire/protocol/messages/txn_offset_commit_response.hpp"
#include "txn_broker_handlers.hpp"
#include "txn_broker_versions.hpp"

namespace kwire::test::txn {

namespace msg = kwire::protocol::messages;
using kwire::protocol::kafka_errc;

namespace {
constexpr std::int16_t code(kafka_errc e) { return static_cast<std::int16_t>(e); }
}  // namespace

Reply handle_init_producer_id(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s) {
  msg::InitProducerIdRequest req;
  if (!decode_request(r, ctx.version, req)) return {};
  std::lock_guard lock(s.mu);
  auto result = init_producer_id(s, req.transactional_id, req.producer_id, req.producer_epoch);
  msg::InitProducerIdResponse resp;
  resp.error_code = result.error;
  resp.producer_id = result.producer_id;
  resp.producer_epoch = result.epoch;
  return respond(ctx, resp);
}

Reply handle_add_partitions_to_txn(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s) {
  msg::AddPartitionsToTxnRequest req;
  if (!decode_request(r, ctx.version, req)) return {};
  std::lock_guard lock(s.mu);
  Transaction* t = nullptr;
  std::int16_t error = find_transaction(s, req.v3_and_below_transactional_id, req.v3_and_below_producer_id,
                                        req.v3_and_below_producer_epoch, t);
  // Kafka answers all or nothing: an unknown partition fails the others
  // with OPERATION_NOT_ATTEMPTED.
  bool unknown = false;
  for (const auto& topic : req.v3_and_below_topics)
    for (auto p : topic.partitions)
      if (s.partition(topic.name, p) == nullptr) unknown = true;
  msg::AddPartitionsToTxnResponse resp;
  for (const auto& topic : req.v3_and_below_topics) {
    msg::AddPartitionsToTxnResponse::AddPartitionsToTxnTopicResult tr;
    tr.name = topic.name;
    for (auto p : topic.partitions) {
      msg::AddPartitionsToTxnResponse::AddPartitionsToTxnPartitionResult pr;
      pr.partition_index = p;
      if (error) {
        pr.partition_error_code = error;
      } else if (unknown) {
        pr.partition_error_code = s.partition(topic.name, p) == nullptr
                                      ? code(kafka_errc::unknown_topic_or_partition)
                                      : code(kafka_errc::operation_not_attempted);
      }
      tr.results_by_partition.push_back(pr);
    }
    resp.results_by_topic_v3_and_below.push_back(std::move(tr));
  }
  if (!error && !unknown) {
    for (const auto& topic : req.v3_and_below_topics)
      for (auto p : topic.partitions) t->partitions.insert({topic.name, p});
    t->open = true;
  }
  return respond(ctx, resp);
}

Reply handle_add_offsets_to_txn(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s) {
  msg::AddOffsetsToTxnRequest req;
  if (!decode_request(r, ctx.version, req)) return {};
  std::lock_guard lock(s.mu);
  Transaction* t = nullptr;
  msg::AddOffsetsToTxnResponse resp;
  resp.error_code = find_transaction(s, req.transactional_id, req.producer_id, req.producer_epoch, t);
  if (!resp.error_code) {
    t->groups.insert(req.group_id);
    t->open = true;
  }
  return respond(ctx, resp);
}

Reply handle_txn_offset_commit(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s) {
  msg::TxnOffsetCommitRequest req;
  if (!decode_request(r, ctx.version, req)) return {};
  std::lock_guard lock(s.mu);
  Transaction* t = nullptr;
  std::int16_t error = find_transaction(s, req.transactional_id, req.producer_id, req.producer_epoch, t);
  // The group must have been added to the transaction first (AddOffsetsToTxn).
  if (!error && !t->groups.count(req.group_id)) error = code(kafka_errc::invalid_txn_state);
  auto store = [&](const std::string& topic, const auto& p) {
    if (!error) t->pending_offsets[req.group_id][{topic, p.partition_index}] = {
        p.committed_offset, p.committed_metadata, p.committed_leader_epoch};
  };
  return respond(ctx, offset_commit_answer<msg::TxnOffsetCommitResponse>(req, error, store));
}

Reply handle_end_txn(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s) {
  msg::EndTxnRequest req;
  if (!decode_request(r, ctx.version, req)) return {};
  if (ctx.version >= 5) return answer_end_txn_v5(ctx, req, s);
  std::lock_guard lock(s.mu);
  msg::EndTxnResponse resp;
  resp.error_code = end_transaction(s, req.transactional_id, req.producer_id, req.producer_epoch, req.committed);
  return respond(ctx, resp);
}

Reply handle_offset_fetch(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s) {
  msg::OffsetFetchRequest req;
  if (!decode_request(r, ctx.version, req)) return {};
  std::lock_guard lock(s.mu);
  const auto& committed = s.group_offsets[req.group_id];
  // Requested partitions, or (null topics, v2+) every partition with an offset.
  std::map<std::string, std::vector<std::int32_t>> wanted;
  if (req.topics) {
    for (const auto& t : *req.topics) wanted[t.name] = t.partition_indexes;
  } else {
    for (const auto& [key, off] : committed) wanted[key.first].push_back(key.second);
  }
  msg::OffsetFetchResponse resp;
  for (const auto& [topic, partitions] : wanted) {
    msg::OffsetFetchResponse::OffsetFetchResponseTopic tr;
    tr.name = topic;
    for (auto p : partitions) {
      msg::OffsetFetchResponse::OffsetFetchResponseTopic::OffsetFetchResponsePartition pr;
      pr.partition_index = p;
      pr.committed_offset = -1;
      auto it = committed.find({topic, p});
      if (req.require_stable && offset_pending(s, req.group_id, topic, p)) {
        pr.error_code = code(kafka_errc::unstable_offset_commit);
      } else if (it != committed.end()) {
        pr.committed_offset = it->second.offset;
        pr.committed_leader_epoch = it->second.leader_epoch;
        pr.metadata = it->second.metadata;
      }
      tr.partitions.push_back(std::move(pr));
    }
    resp.topics.push_back(std::move(tr));
  }
  return respond(ctx, resp);
}

}  // namespace kwire::test::txn
