// Leader epochs for the TxnBroker (KIP-320): OffsetForLeaderEpoch answers, from
// the partition's leader, where a leader epoch ended in its log; the check of
// a request's current leader epoch that Fetch v9+ shares with it; and the
// check that this node leads the partition, which ListOffsets and Fetch share.
// Io thread only.
#include "kwire/protocol/errors.hpp"
#include "kwire/protocol/messages/offset_for_leader_epoch_request.hpp"
#include "kwire/protocol/messages/offset_for_leader_epoch_response.hpp"
#include "txn_broker_handlers.hpp"

namespace kwire::test::txn {
namespace {

namespace msg = kwire::protocol::messages;
using kwire::protocol::kafka_errc;

constexpr std::int16_t code(kafka_errc e) { return static_cast<std::int16_t>(e); }

}  // namespace

std::int16_t check_current_leader_epoch(const BrokerState& s, const std::string& topic, std::int32_t partition,
                                        std::int32_t current_leader_epoch) {
  if (current_leader_epoch < 0) return 0;  // the client does not know it: no check, as in Kafka
  const std::int32_t epoch = s.leader_of(topic, partition).epoch;
  if (current_leader_epoch < epoch) return code(kafka_errc::fenced_leader_epoch);
  if (current_leader_epoch > epoch) return code(kafka_errc::unknown_leader_epoch);
  return 0;
}

PartitionLog* led_partition(BrokerState& s, const std::string& topic, std::int32_t partition, std::int32_t node_id,
                            std::int16_t& error) {
  PartitionLog* log = s.partition(topic, partition);
  if (log == nullptr) error = code(kafka_errc::unknown_topic_or_partition);
  else if (s.leader_of(topic, partition).node != node_id) error = code(kafka_errc::not_leader_or_follower);
  else return log;
  return nullptr;
}

Reply handle_offset_for_leader_epoch(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s) {
  msg::OffsetForLeaderEpochRequest req;
  if (!decode_request(r, ctx.version, req)) return {};
  msg::OffsetForLeaderEpochResponse resp;
  std::lock_guard lock(s.mu);
  for (const auto& t : req.topics) {
    msg::OffsetForLeaderEpochResponse::OffsetForLeaderTopicResult tr;
    tr.topic = t.topic;
    for (const auto& p : t.partitions) {
      msg::OffsetForLeaderEpochResponse::OffsetForLeaderTopicResult::EpochEndOffset e;
      e.partition = p.partition;
      std::int16_t error = 0;
      PartitionLog* log = led_partition(s, t.topic, p.partition, ctx.node_id, error);
      if (log == nullptr) {
        e.error_code = error;
      } else if (auto ec = ctx.version >= 2 ? check_current_leader_epoch(s, t.topic, p.partition,
                                                                        p.current_leader_epoch)
                                            : std::int16_t{0}) {
        e.error_code = ec;
      } else {
        const auto [epoch, end] = log->end_offset_for_epoch(p.leader_epoch);
        e.leader_epoch = epoch;
        e.end_offset = end;
      }
      tr.partitions.push_back(e);
    }
    resp.topics.push_back(std::move(tr));
  }
  return respond(ctx, resp);
}

}  // namespace kwire::test::txn
