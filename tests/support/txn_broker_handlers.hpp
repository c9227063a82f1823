// The TxnBroker's request handlers: one function per API, each decoding its
// request with kwire's generated messages and answering from BrokerState
// (handlers lock its mutex themselves). handle_request() parses the header,
// checks the advertised versions and dispatches. Called on the broker's io
// thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "kwire/protocol/api_table.hpp"
#include "kwire/protocol/messages/response_header.hpp"
#include "kwire/protocol/wire/bytes.hpp"
#include "kwire/protocol/wire/reader.hpp"
#include "kwire/protocol/wire/writer.hpp"
#include "txn_broker_state.hpp"

namespace kwire::test::txn {

struct Reply {
  enum class Kind {
    respond,  // send `frame`
    silent,   // no response (acks=0, or a dropped acknowledgement)
    close,    // close the connection (unknown API or version, malformed request)
    wait,     // Fetch with nothing to return yet: ask again until `wait` passes
  } kind = Kind::close;
  std::vector<std::uint8_t> frame;  // length prefix included
  bool close_after = false;         // close once this reply is handled
  std::chrono::milliseconds wait{0};
  std::chrono::milliseconds delay{0};  // sent this much later than the node's latency says
  bool long_wait = false;  // a JoinGroup/SyncGroup held for its group: `wait` is not capped like a Fetch's
};

struct RequestContext {
  std::int16_t api_key = 0;
  std::int16_t version = 0;
  std::int32_t correlation_id = 0;
  bool final_attempt = true;  // a waiting Fetch must answer now
  std::int32_t node_id = 1;   // the node whose listener took the connection
  std::uint64_t connection = 0;  // the connection's number, unique in the broker (held group requests)
};

Reply handle_request(kwire::protocol::Bytes frame, BrokerState& state, bool final_attempt, std::int32_t node_id,
                     std::uint64_t connection = 0);

Reply handle_metadata(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s);
Reply handle_find_coordinator(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s);
Reply handle_produce(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s);
Reply handle_fetch(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s);
Reply handle_list_offsets(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s);
Reply handle_init_producer_id(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s);
Reply handle_add_partitions_to_txn(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s);
Reply handle_add_offsets_to_txn(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s);
Reply handle_txn_offset_commit(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s);
Reply handle_end_txn(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s);
Reply handle_offset_fetch(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s);
Reply handle_offset_commit(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s);
Reply handle_offset_for_leader_epoch(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s);
// The group coordinator (txn_broker_group_handlers.cpp, txn_broker_group_state.hpp).
Reply handle_join_group(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s);
Reply handle_sync_group(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s);
Reply handle_heartbeat(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s);
Reply handle_leave_group(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s);
// The error form of a group request (error_reply's for JoinGroup, SyncGroup,
// Heartbeat, LeaveGroup); close for other APIs.
Reply group_error_reply(const RequestContext& ctx, kwire::protocol::Reader& r, std::int16_t error);
// The partition a request names, if node `node_id` leads it (mu held): its
// log; else null, with `error` UNKNOWN_TOPIC_OR_PARTITION (no such partition)
// or NOT_LEADER_OR_FOLLOWER (another node leads it).
PartitionLog* led_partition(BrokerState& s, const std::string& topic, std::int32_t partition, std::int32_t node_id,
                            std::int16_t& error);
// A request's current leader epoch against the partition's (mu held): 0, or
// FENCED_LEADER_EPOCH (older) / UNKNOWN_LEADER_EPOCH (newer); -1 is not checked.
std::int16_t check_current_leader_epoch(const BrokerState& s, const std::string& topic, std::int32_t partition,
                                        std::int32_t current_leader_epoch);

// Coordinator checks and injected API faults around a handler
// (txn_broker_api_faults.cpp); mu not held.
Reply handle_with_faults(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s,
                         Reply (*handler)(const RequestContext&, kwire::protocol::Reader&, BrokerState&));
// The request answered with `error` wherever its response carries one
// (for the APIs that take ApiFaults and the coordinator APIs); close for others.
Reply error_reply(const RequestContext& ctx, kwire::protocol::Reader& r, std::int16_t error);
// A Produce response turned into the bytes of a misbehaving broker.
Reply hostile_reply(const RequestContext& ctx, Reply real, HostileResponse kind);

// Decodes the request body; false if malformed (the connection is closed).
template <typename Request>
bool decode_request(kwire::protocol::Reader& r, std::int16_t version, Request& out) {
  return !out.decode(r, version) && r.ok();
}

// Frames a response: length, response header, body at the request's version.
template <typename Response>
Reply respond(const RequestContext& ctx, const Response& body) {
  kwire::protocol::Writer w;
  auto at = w.reserve_i32();
  kwire::protocol::messages::ResponseHeader header;
  header.correlation_id = ctx.correlation_id;
  header.encode(w, kwire::protocol::response_header_version(ctx.api_key, ctx.version));
  body.encode(w, ctx.version);
  w.patch_i32(at, static_cast<std::int32_t>(w.size() - 4));
  Reply reply;
  reply.kind = Reply::Kind::respond;
  reply.frame = w.release();
  return reply;
}

// The answer to a request whose response says only `error` (its top-level
// error_code): the request is decoded first, so a malformed one still closes.
template <typename Request, typename Response>
Reply error_code_reply(const RequestContext& ctx, kwire::protocol::Reader& r, std::int16_t error) {
  Request req;
  if (!decode_request(r, ctx.version, req)) return {};
  Response resp;
  resp.error_code = error;
  return respond(ctx, resp);
}

// The answer to an OffsetCommit or TxnOffsetCommit request (their generated
// types differ, their shape does not): every partition of every topic asked
// for, answered `error`; `each(topic_name, partition)` sees every requested
// partition first (where the handler stores the commit).
template <typename Response, typename Request, typename Each>
Response offset_commit_answer(const Request& req, std::int16_t error, Each&& each) {
  Response resp;
  for (const auto& topic : req.topics) {
    auto& tr = resp.topics.emplace_back();
    tr.name = topic.name;
    for (const auto& p : topic.partitions) {
      each(topic.name, p);
      tr.partitions.push_back({p.partition_index, error, {}});
    }
  }
  return resp;
}

// The error form of an OffsetCommit or TxnOffsetCommit: the request decoded
// (a malformed one closes), every partition answered `error`.
template <typename Request, typename Response>
Reply offset_commit_error_reply(const RequestContext& ctx, kwire::protocol::Reader& r, std::int16_t error) {
  Request req;
  if (!decode_request(r, ctx.version, req)) return {};
  return respond(ctx, offset_commit_answer<Response>(req, error, [](const auto&, const auto&) {}));
}

}  // namespace kwire::test::txn
