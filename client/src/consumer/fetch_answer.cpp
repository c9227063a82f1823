// One partition's Fetch answer judged (see fetch_answer.hpp).
#include "consumer/fetch_answer.hpp"

#include <algorithm>

#include "consumer/batch_bounds.hpp"
#include "kwire/errors.hpp"
#include "kwire/protocol/errors.hpp"

namespace kwire::detail {

using kwire::protocol::kafka_errc;

FetchAnswer judge_fetch_answer(const protocol::messages::FetchResponse::FetchableTopicResponse::PartitionData& rp,
                               const std::string& partition_name, std::int64_t fetch_offset,
                               IsolationLevel isolation, OffsetReset reset, std::int32_t partition_max_bytes) {
  FetchAnswer out;
  const std::error_code ec = protocol::kafka_error(rp.error_code);
  if (ec == kafka_errc::offset_out_of_range && reset != OffsetReset::none) {
    out.kind = FetchAnswer::Kind::reset;
    out.error = ec;
    return out;
  }
  if (ec && protocol::is_retriable(ec)) {
    out.kind = FetchAnswer::Kind::retry;
    out.error = ec;
    return out;
  }
  if (ec) {
    out.kind = FetchAnswer::Kind::stop;
    out.error = ec;
    out.detail = "Fetch " + partition_name + " at offset " + std::to_string(fetch_offset) + ": " +
                 std::string(protocol::kafka_error_name(rp.error_code));
    return out;
  }
  if (!rp.records || rp.records->empty()) return out;
  std::int32_t last_epoch = -1;
  const auto next = offset_after_complete_batches(*rp.records, &last_epoch);
  if (!next) {
    // Only a partial batch: the first batch is larger than the limit
    // (brokers before KIP-74 cut it); more bytes will not come.
    if (rp.records->size() >= static_cast<std::size_t>(std::max(partition_max_bytes, 0))) {
      out.kind = FetchAnswer::Kind::stop;
      out.error = make_error_code(errc::record_too_large);
      out.detail = "a batch of " + partition_name + " at offset " + std::to_string(fetch_offset) +
                   " is larger than max.partition.fetch.bytes";
    }
    return out;
  }
  if (*next <= fetch_offset) return out;
  out.kind = FetchAnswer::Kind::records;
  out.next_offset = *next;
  out.last_epoch = last_epoch;
  if (isolation == IsolationLevel::read_committed && rp.aborted_transactions) {
    out.aborted.reserve(rp.aborted_transactions->size());
    for (const auto& a : *rp.aborted_transactions) out.aborted.push_back({a.producer_id, a.first_offset});
    std::sort(out.aborted.begin(), out.aborted.end(),
              [](const AbortedTxn& a, const AbortedTxn& b) { return a.first_offset < b.first_offset; });
  }
  return out;
}

}  // namespace kwire::detail
