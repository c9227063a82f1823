// Fetch and ListOffsets for the TxnBroker, answered by the partition's
// leader only (others say NOT_LEADER_OR_FOLLOWER). Under read_committed a Fetch stops
// at the last stable offset and lists the aborted transactions overlapping
// the returned range; ListOffsets' latest is then the LSO. An empty Fetch
// asks the server to wait (up to max_wait_ms) and try again. Fetch v7+
// sessions (KIP-227): txn_broker_fetch_session_cache.hpp. Io thread only.
#include <deque>

#include "kwire/protocol/errors.hpp"
#include "kwire/protocol/messages/fetch_request.hpp"
#include "kwire/protocol/messages/fetch_response.hpp"
#include "kwire/protocol/messages/list_offsets_request.hpp"
#include "kwire/protocol/messages/list_offsets_response.hpp"
#include "txn_broker_fetch_session_cache.hpp"
#include "txn_broker_handlers.hpp"

namespace kwire::test::txn {
namespace {

namespace msg = kwire::protocol::messages;
using kwire::protocol::kafka_errc;

constexpr std::int16_t code(kafka_errc e) { return static_cast<std::int16_t>(e); }
constexpr std::int8_t kReadCommitted = 1;

// One partition's answer (mu held): an error, or up to `budget` bytes of
// records from the target's offset (to the LSO under read_committed, with
// the aborted transactions). Returns the bytes of records served.
std::size_t serve_partition(const RequestContext& ctx, BrokerState& s, const FetchTarget& p, bool committed,
                            std::size_t budget, msg::FetchResponse::FetchableTopicResponse::PartitionData& pd,
                            std::deque<std::vector<std::uint8_t>>& blobs) {
  std::int16_t error = 0;
  PartitionLog* log = led_partition(s, p.topic, p.partition, ctx.node_id, error);
  if (log == nullptr) {
    pd.error_code = error;
    pd.high_watermark = -1;
    return 0;
  }
  if (ctx.version >= 9) {
    if (auto ec = check_current_leader_epoch(s, p.topic, p.partition, p.leader_epoch)) {
      pd.error_code = ec;
      pd.high_watermark = -1;
      return 0;
    }
  }
  pd.high_watermark = log->high_watermark();
  pd.last_stable_offset = log->last_stable_offset();
  pd.log_start_offset = log->log_start_offset();
  if (p.fetch_offset < log->log_start_offset() || p.fetch_offset > log->high_watermark()) {
    pd.error_code = code(kafka_errc::offset_out_of_range);
    return 0;
  }
  const std::int64_t limit = committed ? log->last_stable_offset() : log->high_watermark();
  budget = std::min(static_cast<std::size_t>(std::max(p.max_bytes, 1)), budget);
  if (budget == 0) {
    pd.records = kwire::protocol::Bytes{};
    return 0;
  }
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
  const std::size_t bytes = slice.records.size();
  blobs.push_back(std::move(slice.records));
  pd.records = kwire::protocol::Bytes(blobs.back());
  return bytes;
}

}  // namespace

Reply handle_fetch(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s) {
  msg::FetchRequest req;
  if (!decode_request(r, ctx.version, req)) return {};
  const bool committed = req.isolation_level == kReadCommitted;
  msg::FetchResponse resp;
  std::deque<std::vector<std::uint8_t>> blobs;  // the records views point here until encoded
  std::size_t total = 0;
  const auto response_max = static_cast<std::size_t>(std::max(req.max_bytes, 1));
  std::lock_guard lock(s.mu);
  FetchSessionContext session = s.fetch_sessions.open(ctx.node_id, ctx.version, req);
  if (session.error != 0) {
    resp.error_code = session.error;
    resp.session_id = s.fetch_sessions.commit(session, resp);
    return respond(ctx, resp);
  }
  for (const FetchTarget& p : session.targets) {
    msg::FetchResponse::FetchableTopicResponse::PartitionData pd;
    pd.partition_index = p.partition;
    pd.aborted_transactions = std::nullopt;
    std::size_t budget = total < response_max ? response_max - total : 0;
    const std::size_t bytes = serve_partition(ctx, s, p, committed, budget, pd, blobs);
    if (!s.fetch_sessions.must_answer(session, pd, p.topic)) continue;
    total += bytes;
    if (resp.responses.empty() || resp.responses.back().topic != p.topic) {
      resp.responses.emplace_back();
      resp.responses.back().topic = p.topic;
    }
    resp.responses.back().partitions.push_back(std::move(pd));
  }
  if (total == 0 && !ctx.final_attempt && req.max_wait_ms > 0) {
    // Asked again later: the session is not touched until the answer.
    Reply wait;
    wait.kind = Reply::Kind::wait;
    wait.wait = std::chrono::milliseconds(req.max_wait_ms);
    return wait;
  }
  resp.session_id = s.fetch_sessions.commit(session, resp);
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
      std::int16_t error = 0;
      PartitionLog* log = led_partition(s, t.name, p.partition_index, ctx.node_id, error);
      if (log == nullptr) {
        pr.error_code = error;
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
