// JoinGroup, SyncGroup, Heartbeat and LeaveGroup for the TxnBroker: decode,
// hand to the group coordinator's rules (txn_broker_group_coordinator.cpp)
// and answer at the request's version. A JoinGroup or SyncGroup the group
// cannot answer yet is held (Reply::Kind::wait): the connection asks again
// every few milliseconds and collects its answer by connection and
// correlation id; each ask is also when the group's sessions and join
// deadline are looked at. Io thread only.
#include "kwire/protocol/errors.hpp"
#include "kwire/protocol/messages/heartbeat_request.hpp"
#include "kwire/protocol/messages/heartbeat_response.hpp"
#include "kwire/protocol/messages/join_group_request.hpp"
#include "kwire/protocol/messages/join_group_response.hpp"
#include "kwire/protocol/messages/leave_group_request.hpp"
#include "kwire/protocol/messages/leave_group_response.hpp"
#include "kwire/protocol/messages/sync_group_request.hpp"
#include "kwire/protocol/messages/sync_group_response.hpp"
#include "txn_broker_handlers.hpp"

namespace kwire::test::txn {
namespace {

namespace msg = kwire::protocol::messages;
using kwire::protocol::kafka_errc;

constexpr std::int16_t kJoinGroup = 11, kHeartbeat = 12, kLeaveGroup = 13, kSyncGroup = 14;
// A held request is answered by then at the latest (the join phase ends at the rebalance timeout).
constexpr std::chrono::milliseconds kHoldMargin{2000};

GroupBytes copy_bytes(kwire::protocol::Bytes b) { return GroupBytes(b.begin(), b.end()); }
kwire::protocol::Bytes view(const GroupBytes& b) { return kwire::protocol::Bytes(b.data(), b.size()); }

Reply hold_reply(std::chrono::milliseconds wait) {
  Reply reply;
  reply.kind = Reply::Kind::wait;
  reply.wait = wait;
  reply.long_wait = true;
  return reply;
}

GroupAnswer failed(std::int16_t error) {
  GroupAnswer a;
  a.ready = true;
  a.error = error;
  return a;
}

// SyncGroup v5+ names the protocol: one other than the generation's is refused (KIP-559).
bool inconsistent_protocol(const GroupCoordinatorState& c, const msg::SyncGroupRequest& req) {
  auto g = c.groups.find(req.group_id);
  if (g == c.groups.end() || req.generation_id != g->second.generation) return false;
  return (req.protocol_type && *req.protocol_type != g->second.protocol_type) ||
         (req.protocol_name && *req.protocol_name != g->second.protocol_name);
}

WaitKey key_of(const RequestContext& ctx) { return {ctx.connection, ctx.correlation_id}; }

Reply join_reply(const RequestContext& ctx, const GroupAnswer& a) {
  msg::JoinGroupResponse resp;
  resp.error_code = a.error;
  resp.generation_id = a.generation;
  if (!a.error) resp.protocol_type = a.protocol_type;  // v7+
  resp.protocol_name = a.protocol_name;
  resp.leader = a.leader;
  resp.skip_assignment = a.skip_assignment;  // v9+
  resp.member_id = a.member_id;
  for (const GroupAnswer::Member& m : a.members) {
    auto& out = resp.members.emplace_back();
    out.member_id = m.member_id;
    out.group_instance_id = m.instance_id;
    out.metadata = view(m.metadata);
  }
  return respond(ctx, resp);
}

Reply sync_reply(const RequestContext& ctx, const GroupAnswer& a) {
  msg::SyncGroupResponse resp;
  resp.error_code = a.error;
  if (!a.error) {  // v5+
    resp.protocol_type = a.protocol_type;
    resp.protocol_name = a.protocol_name;
  }
  resp.assignment = view(a.assignment);
  return respond(ctx, resp);
}

// A request held earlier asks again: its answer, or wait on.
std::optional<Reply> collect_held(const RequestContext& ctx, const std::string& group_id, BrokerState& s,
                                  Reply (*answer)(const RequestContext&, const GroupAnswer&)) {
  GroupCoordinatorState& c = s.classic_groups;
  if (!c.waiting.count(key_of(ctx))) return std::nullopt;
  group_tick(c, group_id, GroupClock::now());
  auto a = group_answer(c, key_of(ctx), ctx.final_attempt);
  if (!a) return hold_reply(kHoldMargin);  // the first ask set the deadline; this only keeps waiting
  return answer(ctx, *a);
}

// Every group request: decoded, then under the broker's lock a JoinGroup or
// SyncGroup held earlier collects its answer (`held` formats it); otherwise
// the group's sessions and join deadline are looked at (group_tick) and
// `answer(req, now)` gives the reply.
template <typename Request, typename Answer>
Reply answer_group_request(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s, Answer answer,
                           Reply (*held)(const RequestContext&, const GroupAnswer&) = nullptr) {
  Request req;
  if (!decode_request(r, ctx.version, req)) return {};
  std::lock_guard lock(s.mu);
  if (held) {
    if (auto reply = collect_held(ctx, req.group_id, s, held)) return *reply;
  }
  const auto now = GroupClock::now();
  group_tick(s.classic_groups, req.group_id, now);
  return answer(req, now);
}

}  // namespace

Reply handle_join_group(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s) {
  auto join = [&](const msg::JoinGroupRequest& req, GroupClock::time_point now) {
    JoinInput in;
    in.group_id = req.group_id;
    in.member_id = req.member_id;
    in.instance_id = req.group_instance_id;
    in.protocol_type = req.protocol_type;
    in.session_timeout = std::chrono::milliseconds(req.session_timeout_ms);
    // v0 has no rebalance timeout: the session timeout serves.
    in.rebalance_timeout = std::chrono::milliseconds(req.rebalance_timeout_ms >= 0 ? req.rebalance_timeout_ms
                                                                                    : req.session_timeout_ms);
    for (const auto& p : req.protocols) in.protocols.push_back({p.name, copy_bytes(p.metadata)});
    in.version = ctx.version;
    in.key = key_of(ctx);
    GroupAnswer a = group_join(s.classic_groups, in, now);
    if (!a.ready) return hold_reply(in.rebalance_timeout + kHoldMargin);
    return join_reply(ctx, a);
  };
  return answer_group_request<msg::JoinGroupRequest>(ctx, r, s, join, join_reply);
}

Reply handle_sync_group(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s) {
  auto sync = [&](const msg::SyncGroupRequest& req, GroupClock::time_point now) {
    GroupCoordinatorState& c = s.classic_groups;
    if (inconsistent_protocol(c, req))
      return sync_reply(ctx, failed(static_cast<std::int16_t>(kafka_errc::inconsistent_group_protocol)));
    std::vector<std::pair<std::string, GroupBytes>> assignments;
    for (const auto& a : req.assignments) assignments.emplace_back(a.member_id, copy_bytes(a.assignment));
    GroupAnswer a = group_sync(c, req.group_id, req.generation_id, req.member_id, req.group_instance_id, assignments,
                               key_of(ctx), now);
    if (!a.ready) {
      // Until the leader syncs; should it not, its session ends and the rebalance answers.
      const ClassicMember& m = c.groups.at(req.group_id).members.at(req.member_id);
      return hold_reply(std::max(m.rebalance_timeout, m.session_timeout) + kHoldMargin);
    }
    return sync_reply(ctx, a);
  };
  return answer_group_request<msg::SyncGroupRequest>(ctx, r, s, sync, sync_reply);
}

Reply handle_heartbeat(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s) {
  auto heartbeat = [&](const msg::HeartbeatRequest& req, GroupClock::time_point now) {
    msg::HeartbeatResponse resp;
    resp.error_code =
        group_heartbeat(s.classic_groups, req.group_id, req.generation_id, req.member_id, req.group_instance_id, now);
    return respond(ctx, resp);
  };
  return answer_group_request<msg::HeartbeatRequest>(ctx, r, s, heartbeat);
}

Reply handle_leave_group(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s) {
  auto leave = [&](const msg::LeaveGroupRequest& req, GroupClock::time_point now) {
    msg::LeaveGroupResponse resp;
    if (ctx.version < 3) {
      resp.error_code = group_leave(s.classic_groups, req.group_id, req.member_id, std::nullopt, now);
    } else {
      // KIP-345 batches the members that leave, each named by member and instance id.
      for (const auto& m : req.members) {
        auto& out = resp.members.emplace_back();
        out.member_id = m.member_id;
        out.group_instance_id = m.group_instance_id;
        out.error_code = group_leave(s.classic_groups, req.group_id, m.member_id, m.group_instance_id, now);
      }
    }
    return respond(ctx, resp);
  };
  return answer_group_request<msg::LeaveGroupRequest>(ctx, r, s, leave);
}

Reply group_error_reply(const RequestContext& ctx, kwire::protocol::Reader& r, std::int16_t error) {
  switch (ctx.api_key) {
    case kJoinGroup: {
      msg::JoinGroupRequest req;
      if (!decode_request(r, ctx.version, req)) return {};
      return join_reply(ctx, failed(error));
    }
    case kSyncGroup: {
      msg::SyncGroupRequest req;
      if (!decode_request(r, ctx.version, req)) return {};
      return sync_reply(ctx, failed(error));
    }
    case kHeartbeat:
      return error_code_reply<msg::HeartbeatRequest, msg::HeartbeatResponse>(ctx, r, error);
    case kLeaveGroup:
      return error_code_reply<msg::LeaveGroupRequest, msg::LeaveGroupResponse>(ctx, r, error);
    default:
      return {};
  }
}

}  // namespace kwire::test::txn
