// The TxnBroker's checks around every non-Produce handler: a coordinator API
// (transactions, group offsets) sent to a node that is not the coordinator
// gets NOT_COORDINATOR, as Kafka answers; then an injected ApiFault, if one
// is pending for the API, answers an error, drops the response or cuts the
// connection. error_reply() builds the error form of each such response.
// Io thread only.
#include "kwire/protocol/errors.hpp"
#include "kwire/protocol/messages/add_offsets_to_txn_request.hpp"
#include "kwire/protocol/messages/add_offsets_to_txn_response.hpp"
#include "kwire/protocol/messages/add_partitions_to_txn_request.hpp"
#include "kwire/protocol/messages/add_partitions_to_txn_response.hpp"
#include "kwire/protocol/messages/end_txn_request.hpp"
#include "kwire/protocol/messages/end_txn_response.hpp"
#include "kwire/protocol/messages/find_coordinator_request.hpp"
#include "kwire/protocol/messages/find_coordinator_response.hpp"
#include "kwire/protocol/messages/init_producer_id_request.hpp"
#include "kwire/protocol/messages/init_producer_id_response.hpp"
#include "kwire/protocol/messages/offset_commit_request.hpp"
#include "kwire/protocol/messages/offset_commit_response.hpp"
#include "kwire/protocol/messages/offset_fetch_request.hpp"
#include "kwire/protocol/messages/offset_fetch_response.hpp"
#include "kwire/protocol/messages/txn_offset_commit_request.hpp"
#include "kwire/protocol/messages/txn_offset_commit_response.hpp"
#include "txn_broker_handlers.hpp"

namespace kwire::test::txn {
namespace {

namespace msg = kwire::protocol::messages;
using kwire::protocol::kafka_errc;
using kwire::protocol::Reader;

constexpr std::int16_t kInitProducerId = 22, kAddPartitionsToTxn = 24, kAddOffsetsToTxn = 25, kEndTxn = 26,
                       kTxnOffsetCommit = 28, kOffsetFetch = 9, kOffsetCommit = 8, kFindCoordinator = 10,
                       kJoinGroup = 11, kHeartbeat = 12, kLeaveGroup = 13, kSyncGroup = 14;

// Does this request belong at the coordinator? InitProducerId does only
// with a transactional id (an idempotent producer may ask any broker).
bool coordinator_api(const RequestContext& ctx, Reader r) {
  switch (ctx.api_key) {
    case kAddPartitionsToTxn:
    case kAddOffsetsToTxn:
    case kEndTxn:
    case kTxnOffsetCommit:
    case kOffsetFetch:
    case kOffsetCommit:
    case kJoinGroup:
    case kHeartbeat:
    case kLeaveGroup:
    case kSyncGroup:
      return true;
    case kInitProducerId: {
      msg::InitProducerIdRequest req;
      return decode_request(r, ctx.version, req) && req.transactional_id && !req.transactional_id->empty();
    }
    default:
      return false;
  }
}

}  // namespace

Reply error_reply(const RequestContext& ctx, Reader& r, std::int16_t error) {
  switch (ctx.api_key) {
    case kInitProducerId: {
      msg::InitProducerIdRequest req;
      if (!decode_request(r, ctx.version, req)) return {};
      msg::InitProducerIdResponse resp;
      resp.error_code = error;
      resp.producer_id = -1;
      resp.producer_epoch = -1;
      return respond(ctx, resp);
    }
    case kAddPartitionsToTxn: {
      msg::AddPartitionsToTxnRequest req;
      if (!decode_request(r, ctx.version, req)) return {};
      msg::AddPartitionsToTxnResponse resp;
      resp.error_code = error;
      for (const auto& topic : req.v3_and_below_topics) {
        msg::AddPartitionsToTxnResponse::AddPartitionsToTxnTopicResult tr;
        tr.name = topic.name;
        for (auto p : topic.partitions) tr.results_by_partition.push_back({p, error, {}});
        resp.results_by_topic_v3_and_below.push_back(std::move(tr));
      }
      return respond(ctx, resp);
    }
    case kAddOffsetsToTxn:
      return error_code_reply<msg::AddOffsetsToTxnRequest, msg::AddOffsetsToTxnResponse>(ctx, r, error);
    case kEndTxn:
      return error_code_reply<msg::EndTxnRequest, msg::EndTxnResponse>(ctx, r, error);
    case kTxnOffsetCommit:
      return offset_commit_error_reply<msg::TxnOffsetCommitRequest, msg::TxnOffsetCommitResponse>(ctx, r, error);
    case kOffsetCommit:
      return offset_commit_error_reply<msg::OffsetCommitRequest, msg::OffsetCommitResponse>(ctx, r, error);
    case kOffsetFetch: {
      msg::OffsetFetchRequest req;
      if (!decode_request(r, ctx.version, req)) return {};
      msg::OffsetFetchResponse resp;
      resp.error_code = error;
      if (req.topics) {
        for (const auto& t : *req.topics) {
          msg::OffsetFetchResponse::OffsetFetchResponseTopic tr;
          tr.name = t.name;
          for (auto p : t.partition_indexes) {
            msg::OffsetFetchResponse::OffsetFetchResponseTopic::OffsetFetchResponsePartition pr;
            pr.partition_index = p;
            pr.committed_offset = -1;
            pr.error_code = error;
            tr.partitions.push_back(std::move(pr));
          }
          resp.topics.push_back(std::move(tr));
        }
      }
      return respond(ctx, resp);
    }
    case kFindCoordinator: {
      msg::FindCoordinatorRequest req;
      if (!decode_request(r, ctx.version, req)) return {};
      msg::FindCoordinatorResponse resp;
      resp.error_code = error;
      resp.node_id = -1;
      resp.port = -1;
      return respond(ctx, resp);
    }
    default:
      return group_error_reply(ctx, r, error);  // closes for an API with no error form here
  }
}

Reply handle_with_faults(const RequestContext& ctx, Reader& r, BrokerState& s,
                         Reply (*handler)(const RequestContext&, Reader&, BrokerState&)) {
  std::optional<ApiFault> fault;
  {
    std::lock_guard lock(s.mu);
    if (coordinator_api(ctx, r) && ctx.node_id != s.coordinator) {
      ++s.faults.counters.not_coordinator_answers;
      return error_reply(ctx, r, static_cast<std::int16_t>(kafka_errc::not_coordinator));
    }
    // Produce has its own rules, per partition (txn_broker_produce_handler.cpp).
    if (ctx.api_key != 0) fault = s.faults.take_api_fault(ctx.api_key);
    if (fault && fault->action == ApiFaultAction::cut_before) {
      ++s.faults.counters.connections_cut;
      return {};
    }
  }
  if (fault && fault->action == ApiFaultAction::error) return error_reply(ctx, r, fault->error);
  if (fault && fault->action == ApiFaultAction::bogus_producer_id && ctx.api_key == kInitProducerId) {
    msg::InitProducerIdResponse resp;
    resp.producer_id = fault->producer_id;
    resp.producer_epoch = fault->producer_epoch;
    return respond(ctx, resp);
  }
  Reply reply = handler(ctx, r, s);
  if (!fault || fault->action == ApiFaultAction::bogus_producer_id) return reply;
  std::lock_guard lock(s.mu);
  if (fault->action == ApiFaultAction::delay_response) {
    ++s.faults.counters.responses_delayed;
    reply.delay = fault->delay;
    return reply;
  }
  if (fault->action == ApiFaultAction::drop_response) {
    ++s.faults.counters.responses_dropped;
    return Reply{Reply::Kind::silent, {}, false, {}};
  }
  ++s.faults.counters.connections_cut;  // cut_after: handled, never answered
  return {};
}

}  // namespace kwire::test::txn
