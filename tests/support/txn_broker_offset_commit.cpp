// OffsetCommit for the TxnBroker: the simple commits of a consumer that
// assign()s its partitions (generation -1, no member id, to a group with no
// members) and the commits of group members, checked by the group
// coordinator as Kafka checks them (txn_broker_group_state.hpp: the
// generation, the member id, a fenced group.instance.id, a rebalance being
// completed), stored where committed transactions put their offsets, so
// OffsetFetch answers both. A generation in a group the coordinator never
// saw is ILLEGAL_GENERATION. Io thread only.
#include "kwire/protocol/errors.hpp"
#include "kwire/protocol/messages/offset_commit_request.hpp"
#include "kwire/protocol/messages/offset_commit_response.hpp"
#include "txn_broker_handlers.hpp"

namespace kwire::test::txn {

namespace msg = kwire::protocol::messages;

Reply handle_offset_commit(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s) {
  msg::OffsetCommitRequest req;
  if (!decode_request(r, ctx.version, req)) return {};
  std::lock_guard lock(s.mu);
  group_tick(s.classic_groups, req.group_id, GroupClock::now());
  // v0 carries no generation: a simple commit.
  const std::int16_t error =
      group_commit_check(s.classic_groups, req.group_id, ctx.version >= 1 ? req.generation_id_or_member_epoch : -1,
                         req.member_id, req.group_instance_id);
  auto store = [&](const std::string& topic, const auto& p) {
    if (!error) s.group_offsets[req.group_id][{topic, p.partition_index}] = {
        p.committed_offset, p.committed_metadata, p.committed_leader_epoch};
  };
  return respond(ctx, offset_commit_answer<msg::OffsetCommitResponse>(req, error, store));
}

}  // namespace kwire::test::txn
