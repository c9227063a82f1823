// A TxnBroker partition: storage, idempotence checks, markers (see txn_broker_log.hpp).
#include "txn_broker_log.hpp"

#include <algorithm>
#include <climits>
#include <iterator>

#include "kwire/protocol/errors.hpp"
#include "kwire/protocol/records/batch_builder.hpp"
#include "kwire/protocol/records/batch_format.hpp"

namespace kwire::test::txn {

using kwire::protocol::kafka_errc;
namespace records = kwire::protocol::records;

namespace {
constexpr std::int16_t code(kafka_errc e) { return static_cast<std::int16_t>(e); }

// Sequences wrap from INT32_MAX to 0, as in Kafka.
std::int32_t next_sequence(std::int32_t seq) { return seq == INT32_MAX ? 0 : seq + 1; }
std::int32_t last_sequence(const records::BatchInfo& info) {
  auto last = static_cast<std::int64_t>(info.base_sequence) + info.last_offset_delta;
  return static_cast<std::int32_t>(last > INT32_MAX ? last - INT32_MAX - 1 : last);
}
}  // namespace

std::int16_t PartitionLog::check_sequence(const ProducerEntry* entry, const records::BatchInfo& info,
                                          std::int64_t& duplicate_offset) const {
  if (entry == nullptr || entry->epoch < 0) {
    // No state for this producer on this partition (never seen, or expired):
    // Kafka accepts any sequence as its first batch here.
    return 0;
  }
  if (info.producer_epoch < entry->epoch) return code(kafka_errc::invalid_producer_epoch);
  if (info.producer_epoch > entry->epoch) {
    // A new epoch restarts the sequences.
    return info.base_sequence == 0 ? 0 : code(kafka_errc::out_of_order_sequence_number);
  }
  for (const auto& r : entry->recent) {
    if (r.first_seq == info.base_sequence && r.last_seq == last_sequence(info)) {
      duplicate_offset = r.base_offset;
      return 0;
    }
  }
  std::int32_t expected = entry->recent.empty() ? 0 : next_sequence(entry->recent.back().last_seq);
  return info.base_sequence == expected ? 0 : code(kafka_errc::out_of_order_sequence_number);
}

AppendResult PartitionLog::append(std::span<const std::uint8_t> batch, const records::BatchInfo& info,
                                  bool transaction_has_partition) {
  AppendResult out;
  const bool idempotent = info.producer_id >= 0;
  if (info.control) {
    out.error = code(kafka_errc::invalid_record);  // clients never write markers
    return out;
  }
  if (info.transactional && !idempotent) {
    out.error = code(kafka_errc::invalid_record);
    return out;
  }
  ProducerEntry* entry = nullptr;
  if (idempotent) {
    auto it = producers_.find(info.producer_id);
    if (it != producers_.end()) entry = &it->second;
    std::int64_t duplicate_offset = -1;
    out.error = check_sequence(entry, info, duplicate_offset);
    if (out.error) return out;
    if (duplicate_offset >= 0) {
      out.base_offset = duplicate_offset;
      out.duplicate = true;
      return out;
    }
    if (info.transactional && !transaction_has_partition) {
      out.error = code(kafka_errc::invalid_txn_state);
      return out;
    }
  }
  out.base_offset = next_offset_;
  store(batch, info.last_offset_delta, info.max_timestamp, false);
  if (idempotent) {
    auto& e = producers_[info.producer_id];
    if (info.producer_epoch != e.epoch) e.recent.clear();
    e.epoch = info.producer_epoch;
    e.recent.push_back({info.base_sequence, last_sequence(info), out.base_offset});
    if (e.recent.size() > kRecentBatches) e.recent.pop_front();
    if (info.transactional) open_txn_first_offset_.emplace(info.producer_id, out.base_offset);
  }
  return out;
}

void PartitionLog::store(std::span<const std::uint8_t> batch, std::int64_t last_offset_delta,
                         std::int64_t max_timestamp, bool control) {
  StoredBatch b;
  b.base_offset = next_offset_;
  b.last_offset = next_offset_ + last_offset_delta;
  b.max_timestamp = max_timestamp;
  b.control = control;
  b.bytes.assign(batch.begin(), batch.end());
  // The base offset lies outside the CRC'd range: no CRC update needed.
  records::set_base_offset(b.bytes, b.base_offset);
  // As a Kafka leader does; legacy message sets have no such field.
  if (b.bytes.size() > records::batch_offsets::magic && b.bytes[records::batch_offsets::magic] >= 2)
    records::set_partition_leader_epoch(b.bytes, epoch_);
  next_offset_ = b.last_offset + 1;
  if (control) ++control_batches_;
  batches_.push_back(std::move(b));
}

bool PartitionLog::append_marker(std::int64_t producer_id, std::int16_t epoch, records::ControlType type,
                                 std::int64_t timestamp_ms) {
  auto known = producers_.find(producer_id);
  // Kafka's leader refuses a marker older than the producer's epoch on the
  // partition (INVALID_PRODUCER_EPOCH); the coordinator moves on and the
  // transaction stays open here.
  if (known != producers_.end() && epoch < known->second.epoch) return false;
  records::BatchBuilder builder({}, SIZE_MAX, timestamp_ms);
  builder.append_control(type, 0, timestamp_ms);
  builder.set_producer_state(producer_id, epoch, records::no_sequence, true);
  auto marker = builder.close();
  const std::int64_t marker_offset = next_offset_;
  store(marker, 0, timestamp_ms, true);

  auto& e = producers_[producer_id];
  if (epoch > e.epoch) {
    e.epoch = epoch;
    e.recent.clear();
  }
  auto open = open_txn_first_offset_.find(producer_id);
  if (open != open_txn_first_offset_.end()) {
    if (type == records::ControlType::abort) aborted_.push_back({producer_id, open->second, marker_offset});
    open_txn_first_offset_.erase(open);
  }
  return true;
}

std::int64_t PartitionLog::last_stable_offset() const noexcept {
  std::int64_t lso = next_offset_;
  for (const auto& [pid, first] : open_txn_first_offset_) lso = std::min(lso, first);
  return lso;
}

ReadSlice PartitionLog::read(std::int64_t offset, std::int64_t limit, std::size_t max_bytes) const {
  ReadSlice out;
  out.end_offset = offset;
  auto it = std::lower_bound(batches_.begin(), batches_.end(), offset,
                             [](const StoredBatch& b, std::int64_t o) { return b.last_offset < o; });
  for (; it != batches_.end() && it->base_offset < limit; ++it) {
    if (!out.records.empty() && out.records.size() + it->bytes.size() > max_bytes) break;
    out.records.insert(out.records.end(), it->bytes.begin(), it->bytes.end());
    out.end_offset = it->last_offset + 1;
  }
  return out;
}

std::vector<TxnAbortedRange> PartitionLog::aborted_between(std::int64_t from, std::int64_t to) const {
  std::vector<TxnAbortedRange> out;
  for (const auto& a : aborted_)
    if (a.last_offset >= from && a.first_offset < to) out.push_back(a);
  return out;
}

std::int64_t PartitionLog::offset_for_timestamp(std::int64_t ts) const {
  for (const auto& b : batches_)
    if (!b.control && b.max_timestamp >= ts) return b.base_offset;
  return -1;
}

void PartitionLog::begin_epoch(std::int32_t epoch) {
  if (epoch <= epoch_) return;
  epoch_ = epoch;
  epoch_starts_[epoch] = next_offset_;
}

std::pair<std::int32_t, std::int64_t> PartitionLog::end_offset_for_epoch(std::int32_t epoch) const {
  auto after = epoch_starts_.upper_bound(epoch);
  if (after == epoch_starts_.begin()) return {-1, -1};
  const std::int32_t known = std::prev(after)->first;
  return {known, after == epoch_starts_.end() ? next_offset_ : after->second};
}

void PartitionLog::truncate(std::int64_t offset) {
  if (offset >= next_offset_) return;
  std::erase_if(batches_, [&](const StoredBatch& b) { return b.base_offset >= offset; });
  next_offset_ = batches_.empty() ? 0 : batches_.back().last_offset + 1;
  control_batches_ = static_cast<int>(std::count_if(batches_.begin(), batches_.end(),
                                                    [](const StoredBatch& b) { return b.control; }));
  std::erase_if(epoch_starts_, [&](const auto& e) { return e.first != 0 && e.second > next_offset_; });
  epoch_ = std::prev(epoch_starts_.end())->first;
  std::erase_if(aborted_, [&](const TxnAbortedRange& a) { return a.last_offset >= next_offset_; });
  producers_.clear();
  open_txn_first_offset_.clear();
}

}  // namespace kwire::test::txn
