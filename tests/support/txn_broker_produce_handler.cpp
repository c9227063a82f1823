// Produce for the TxnBroker: a partition led by another node is answered
// NOT_LEADER_OR_FOLLOWER; every other batch is CRC-checked with kwire's
// batch reader, then checked and stored by its partition log (sequences,
// epochs, transaction membership). Injected faults (txn_broker_faults.hpp)
// act around that: per partition before the write (refuse) or after it
// (write then error), per request by delaying or dropping the response, cutting the
// connection before or after the write, or answering hostile bytes.
// Io thread only.
#include "kwire/protocol/errors.hpp"
#include "kwire/protocol/messages/produce_request.hpp"
#include "kwire/protocol/messages/produce_response.hpp"
#include "kwire/protocol/records/batch_format.hpp"
#include "kwire/protocol/records/batch_reader.hpp"
#include "kwire/protocol/wire/reader.hpp"
#include "txn_broker_handlers.hpp"

namespace kwire::test::txn {
namespace {

namespace msg = kwire::protocol::messages;
namespace records = kwire::protocol::records;
using kwire::protocol::kafka_errc;
using PartitionResponse = msg::ProduceResponse::TopicProduceResponse::PartitionProduceResponse;

constexpr std::int16_t code(kafka_errc e) { return static_cast<std::int16_t>(e); }

// Appends every batch of one partition's records; the first error stops it.
// The base offset answered is the first batch's.
AppendResult append_all(BrokerState& s, PartitionLog& log, const std::string& topic, std::int32_t partition,
                        kwire::protocol::Bytes blob) {
  AppendResult first;
  bool any = false;
  while (!blob.empty()) {
    AppendResult bad;
    bad.error = code(kafka_errc::corrupt_message);
    if (blob.size() < records::batch_header_size) return bad;
    kwire::protocol::Reader len_reader(blob.subspan(records::batch_offsets::batch_length, 4));
    auto length = len_reader.i32();
    if (length < 0 || static_cast<std::size_t>(length) + records::batch_log_overhead > blob.size()) return bad;
    auto one = blob.subspan(0, static_cast<std::size_t>(length) + records::batch_log_overhead);
    blob = blob.subspan(one.size());
    records::BatchReaderOptions opts;
    opts.allow_partial_tail = false;
    records::BatchReader reader(one, opts);
    if (!reader.next_batch() || reader.batch().magic != 2) {
      bad.error = code(kafka_errc::invalid_record);
      return bad;
    }
    const auto& info = reader.batch();
    bool in_txn = info.transactional && transaction_has_partition(s, info.producer_id, topic, partition);
    auto result = log.append(one, info, in_txn);
    if (result.duplicate) ++s.duplicate_batches;
    if (result.error) return result;
    if (!any) first = result;
    any = true;
  }
  if (!any) first.error = code(kafka_errc::invalid_record);
  return first;
}

// One partition of the request: leadership, its fault, the write.
PartitionResponse produce_partition(const RequestContext& ctx, BrokerState& s, const std::string& topic,
                                    const msg::ProduceRequest::TopicProduceData::PartitionProduceData& p) {
  PartitionResponse pr;
  pr.index = p.index;
  pr.base_offset = -1;
  pr.log_append_time_ms = -1;
  std::int16_t error = 0;
  PartitionLog* log = led_partition(s, topic, p.index, ctx.node_id, error);
  if (log == nullptr) {
    if (error == code(kafka_errc::not_leader_or_follower)) ++s.faults.counters.not_leader_answers;
    pr.error_code = error;
    return pr;
  }
  if (!p.records) {
    pr.error_code = code(kafka_errc::invalid_record);
    return pr;
  }
  ProducedPartition identity{topic, p.index, first_batch_identity(*p.records).value_or(BatchIdentity{})};
  auto fault = s.faults.take_partition_fault(identity);
  if (fault && fault->action == ProduceFaultAction::refuse) {
    pr.error_code = fault->error;
    return pr;
  }
  auto result = append_all(s, *log, topic, p.index, *p.records);
  pr.error_code = result.error;
  if (!result.error) pr.base_offset = result.base_offset;
  pr.log_start_offset = log->log_start_offset();
  if (fault && !result.error) {  // write_then_error: in the log, answered as failed
    pr.error_code = fault->error;
    pr.base_offset = -1;
  }
  return pr;
}

}  // namespace

Reply handle_produce(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s) {
  msg::ProduceRequest req;
  if (!decode_request(r, ctx.version, req)) return {};
  msg::ProduceResponse resp;
  std::lock_guard lock(s.mu);
  ++s.produce_requests;
  if (auto throttle = s.faults.produce_throttle_ms.find(ctx.node_id); throttle != s.faults.produce_throttle_ms.end())
    resp.throttle_time_ms = throttle->second;

  std::vector<ProducedPartition> partitions;
  for (const auto& t : req.topic_data)
    for (const auto& p : t.partition_data)
      if (p.records)
        partitions.push_back({t.name, p.index, first_batch_identity(*p.records).value_or(BatchIdentity{})});
  const auto request_fault = s.faults.take_request_fault(partitions);
  if (request_fault && request_fault->action == ProduceFaultAction::cut_before_write) {
    ++s.faults.counters.connections_cut;
    return {};
  }

  for (const auto& t : req.topic_data) {
    msg::ProduceResponse::TopicProduceResponse tr;
    tr.name = t.name;
    for (const auto& p : t.partition_data) {
      auto pr = produce_partition(ctx, s, t.name, p);
      if (pr.error_code) ++s.produce_errors[pr.error_code];
      tr.partition_responses.push_back(std::move(pr));
    }
    resp.responses.push_back(std::move(tr));
  }
  if (req.acks == 0) return Reply{Reply::Kind::silent, {}, false, {}};
  if (!request_fault) return respond(ctx, resp);
  switch (request_fault->action) {
    case ProduceFaultAction::delay_response: {
      ++s.faults.counters.responses_delayed;
      Reply late = respond(ctx, resp);
      late.delay = request_fault->delay;
      return late;
    }
    case ProduceFaultAction::drop_response:
      ++s.produce_responses_dropped;
      ++s.faults.counters.responses_dropped;
      return Reply{Reply::Kind::silent, {}, false, {}};
    case ProduceFaultAction::cut_after_write:
      ++s.produce_responses_dropped;
      ++s.faults.counters.responses_dropped;
      ++s.faults.counters.connections_cut;
      return {};
    case ProduceFaultAction::hostile_response:
      ++s.faults.counters.hostile_responses;
      return hostile_reply(ctx, respond(ctx, resp), request_fault->hostile);
    default:
      return respond(ctx, resp);
  }
}

}  // namespace kwire::test::txn
