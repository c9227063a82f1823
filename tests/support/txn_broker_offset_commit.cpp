// OffsetCommit for the TxnBroker: the simple commits of a consumer that
// assign()s its partitions (generation -1, no member id), stored where
// committed transactions put their offsets, so OffsetFetch answers both.
// The broker runs no group membership: a commit naming a generation is
// ILLEGAL_GENERATION, as Kafka answers for a group with no such generation.
// Io thread only.
#include "kwire/protocol/errors.hpp"
#include "kwire/protocol/messages/offset_commit_request.hpp"
#include "kwire/protocol/messages/offset_commit_response.hpp"
#include "txn_broker_handlers.hpp"

namespace kwire::test::txn {

namespace msg = kwire::protocol::messages;

Reply handle_offset_commit(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s) {
  msg::OffsetCommitRequest req;
  if (!decode_request(r, ctx.version, req)) return {};
  using kwire::protocol::kafka_errc;
  const std::int16_t error =
      req.generation_id_or_member_epoch >= 0 ? static_cast<std::int16_t>(kafka_errc::illegal_generation) : 0;
  std::lock_guard lock(s.mu);
  msg::OffsetCommitResponse resp;
  for (const auto& topic : req.topics) {
    msg::OffsetCommitResponse::OffsetCommitResponseTopic tr;
    tr.name = topic.name;
    for (const auto& p : topic.partitions) {
      if (!error) s.group_offsets[req.group_id][{topic.name, p.partition_index}] = {
          p.committed_offset, p.committed_metadata, p.committed_leader_epoch};
      tr.partitions.push_back({p.partition_index, error, {}});
    }
    resp.topics.push_back(std::move(tr));
  }
  return respond(ctx, resp);
}

}  // namespace kwire::test::txn
