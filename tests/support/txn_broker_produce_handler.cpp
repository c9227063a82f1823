// Produce for the TxnBroker: every batch is CRC-checked with kwire's batch
// reader, then checked and stored by its partition log (sequences, epochs,
// transaction membership). The lost-acknowledgement fault acts after the
// write. Io thread only.
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

}  // namespace

Reply handle_produce(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s) {
  msg::ProduceRequest req;
  if (!decode_request(r, ctx.version, req)) return {};
  msg::ProduceResponse resp;
  std::lock_guard lock(s.mu);
  ++s.produce_requests;
  for (const auto& t : req.topic_data) {
    msg::ProduceResponse::TopicProduceResponse tr;
    tr.name = t.name;
    for (const auto& p : t.partition_data) {
      msg::ProduceResponse::TopicProduceResponse::PartitionProduceResponse pr;
      pr.index = p.index;
      pr.base_offset = -1;
      pr.log_append_time_ms = -1;
      PartitionLog* log = s.partition(t.name, p.index);
      if (log == nullptr) {
        pr.error_code = code(kafka_errc::unknown_topic_or_partition);
      } else if (!p.records) {
        pr.error_code = code(kafka_errc::invalid_record);
      } else {
        auto result = append_all(s, *log, t.name, p.index, *p.records);
        pr.error_code = result.error;
        if (!result.error) pr.base_offset = result.base_offset;
        pr.log_start_offset = log->log_start_offset();
      }
      if (pr.error_code) ++s.produce_errors[pr.error_code];
      tr.partition_responses.push_back(std::move(pr));
    }
    resp.responses.push_back(std::move(tr));
  }
  if (req.acks == 0) return Reply{Reply::Kind::silent, {}, false, {}};
  if (s.drop_produce_responses > 0) {
    --s.drop_produce_responses;
    ++s.produce_responses_dropped;
    return Reply{Reply::Kind::silent, {}, s.drop_closes_connection, {}};
  }
  return respond(ctx, resp);
}

}  // namespace kwire::test::txn
