// Fetch and ListOffsets for the TxnBroker, answered by the partition's
// leader only (others say NOT_LEADER_OR_FOLLOWER). Under read_committed a Fetch stops
// at the last stable offset and lists the aborted transactions overlapping
// the returned range; ListOffsets' latest is then the LSO. An empty Fetch
// asks the server to wait (up to max_wait_ms) and try again. Io thread only.
#include <deque>

#include "kwire/protocol/errors.hpp"
#include "kwire/protocol/messages/fetch_request.hpp"
#include "kwire/protocol/messages/fetch_response.hpp"
#include "kwire/protocol/messages/list_offsets_request.hpp"
#include "kwire/protocol/messages/list_offsets_response.hpp"
#include "txn_broker_handlers.hpp"

namespace kwire::test::txn {
namespace {

namespace msg = kwire::protocol::messages;
using kwire::protocol::kafka_errc;

constexpr std::int16_t code(kafka_errc e) { return static_cast<std::int16_t>(e); }
constexpr std::int8_t kReadCommitted = 1;

}  // namespace

Reply handle_fetch(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s) {
  msg::FetchRequest req;
  if (!decode_request(r, ctx.version, req)) return {};
  const bool committed = req.isolation_level == kReadCommitted;
  msg::FetchResponse resp;
  std::deque<std::vector<std::uint8_t>> blobs;  // the records views point here until encoded
  std::size_t total = 0;
  const auto response_max = static_cast<std::size_t>(std::max(req.max_bytes, 1));
  {
    std::lock_guard lock(s.mu);
    for (const auto& t : req.topics) {
      msg::FetchResponse::FetchableTopicResponse tr;
      tr.topic = t.topic;
      for (const auto& p : t.partitions) {
        msg::FetchResponse::FetchableTopicResponse::PartitionData pd;
        pd.partition_index = p.partition;
        pd.aborted_transactions = std::nullopt;
        PartitionLog* log = s.partition(t.topic, p.partition);
        if (log == nullptr || s.leader_of(t.topic, p.partition).node != ctx.node_id) {
          pd.error_code = code(log == nullptr ? kafka_errc::unknown_topic_or_partition
                                              : kafka_errc::not_leader_or_follower);
          pd.high_watermark = -1;
          tr.partitions.push_back(std::move(pd));
          continue;
        }
        if (ctx.version >= 9) {
          if (auto ec = check_current_leader_epoch(s, t.topic, p.partition, p.current_leader_epoch)) {
            pd.error_code = ec;
            pd.high_watermark = -1;
            tr.partitions.push_back(std::move(pd));
            continue;
          }
        }
        pd.high_watermark = log->high_watermark();
        pd.last_stable_offset = log->last_stable_offset();
        pd.log_start_offset = log->log_start_offset();
        if (p.fetch_offset < log->log_start_offset() || p.fetch_offset > log->high_watermark()) {
          pd.error_code = code(kafka_errc::offset_out_of_range);
          tr.partitions.push_back(std::move(pd));
          continue;
        }
        const std::int64_t limit = committed ? log->last_stable_offset() : log->high_watermark();
        std::size_t budget = std::min(static_cast<std::size_t>(std::max(p.partition_max_bytes, 1)),
                                      total < response_max ? response_max - total : 0);
        if (budget > 0) {
          auto slice = log->read(p.fetch_offset, limit, budget);
          if (committed) {
            pd.aborted_transactions.emplace();
            for (const auto& a : log->aborted_between(p.fetch_offset, slice.end_offset)) {
              msg::FetchResponse::FetchableTopicResponse::PartitionData::AbortedTransaction at;
              at.producer_id = a.producer_id;
              at.first_offset = a.first_offset;
              pd.aborted_transactions->push_back(at);
            }
          }
          total += slice.records.size();
          blobs.push_back(std::move(slice.records));
          pd.records = kwire::protocol::Bytes(blobs.back());
        } else {
          pd.records = kwire::protocol::Bytes{};
        }
        tr.partitions.push_back(std::move(pd));
      }
      resp.responses.push_back(std::move(tr));
    }
  }
  if (total == 0 && !ctx.final_attempt && req.max_wait_ms > 0) {
    Reply wait;
    wait.kind = Reply::Kind::wait;
    wait.wait = std::chrono::milliseconds(req.max_wait_ms);
    return wait;
  }
  return respond(ctx, resp);
}

Reply handle_list_offsets(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s) {
  msg::ListOffsetsRequest req;
  if (!decode_request(r, ctx.version, req)) return {};
  const bool committed = req.isolation_level == kReadCommitted;
  msg::ListOffsetsResponse resp;
  std::lock_guard lock(s.mu);
  for (const auto& t : req.topics) {
    msg::ListOffsetsResponse::ListOffsetsTopicResponse tr;
    tr.name = t.name;
    for (const auto& p : t.partitions) {
      msg::ListOffsetsResponse::ListOffsetsTopicResponse::ListOffsetsPartitionResponse pr;
      pr.partition_index = p.partition_index;
      PartitionLog* log = s.partition(t.name, p.partition_index);
      if (log == nullptr) {
        pr.error_code = code(kafka_errc::unknown_topic_or_partition);
      } else if (s.leader_of(t.name, p.partition_index).node != ctx.node_id) {
        pr.error_code = code(kafka_errc::not_leader_or_follower);
      } else if (p.timestamp == -2) {  // earliest
        pr.offset = log->log_start_offset();
        pr.leader_epoch = 0;
      } else if (p.timestamp == -1) {  // latest
        pr.offset = committed ? log->last_stable_offset() : log->high_watermark();
        pr.leader_epoch = 0;
      } else {
        pr.offset = log->offset_for_timestamp(p.timestamp);
        if (pr.offset >= 0) pr.timestamp = p.timestamp;
        pr.leader_epoch = 0;
      }
      tr.partitions.push_back(std::move(pr));
    }
    resp.topics.push_back(std::move(tr));
  }
  return respond(ctx, resp);
}

}  // namespace kwire::test::txn
