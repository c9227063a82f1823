// Fetched data to ConsumerRecord views (see record_drain.hpp).
#include "consumer/record_drain.hpp"

#include <algorithm>

#include "kwire/protocol/records/records_error.hpp"

namespace kwire::detail {
namespace {

namespace rec = kwire::protocol::records;

constexpr std::size_t kEntryHeader = 12;  // base offset + batch length, any magic

// The size of the complete batch at the front of `rest`, or 0.
std::size_t complete_batch_size(protocol::Bytes rest) noexcept {
  if (rest.size() < kEntryHeader) return 0;
  std::int64_t length = (std::int64_t{rest[8]} << 24) | (rest[9] << 16) | (rest[10] << 8) | rest[11];
  if (length < 0 || rest.size() - kEntryHeader < static_cast<std::uint64_t>(length)) return 0;
  return kEntryHeader + static_cast<std::size_t>(length);
}

}  // namespace

RecordDrain::RecordDrain(bool verify_crc, bool read_committed) : read_committed_(read_committed) {
  options_.verify_crc = verify_crc;
}

void RecordDrain::start(FetchEvent&& records) {
  event_ = std::move(records);
  active_ = true;
  batch_pos_ = 0;
  aborted_next_ = 0;
  aborting_.clear();
}

std::shared_ptr<FetchedFrame> RecordDrain::finish() {
  active_ = false;
  event_.aborted.clear();
  event_.records = {};
  return std::move(event_.frame);
}

rec::BatchReader& RecordDrain::scratch_reader() {
  if (readers_in_use_ == readers_.size()) readers_.push_back(std::make_unique<rec::BatchReader>(protocol::Bytes{}, options_));
  return *readers_[readers_in_use_];
}

bool RecordDrain::skip_batch(const rec::BatchInfo& b) {
  if (!read_committed_) return b.control;
  const auto& aborted = event_.aborted;
  while (aborted_next_ < aborted.size() && aborted[aborted_next_].first_offset < b.next_offset()) {
    aborting_.push_back(aborted[aborted_next_].producer_id);
    ++aborted_next_;
  }
  if (b.transactional) {
    auto it = std::find(aborting_.begin(), aborting_.end(), b.producer_id);
    if (it != aborting_.end()) {
      if (b.control) aborting_.erase(it);  // the ABORT marker ends the range
      return true;
    }
  }
  return b.control;
}

std::error_code RecordDrain::drain(std::vector<ConsumerRecord>& out, std::size_t limit, std::int64_t& position) {
  const protocol::Bytes all = event_.records;
  while (out.size() < limit) {
    const std::size_t size = complete_batch_size(all.subspan(batch_pos_));
    if (size == 0) break;
    rec::BatchReader& reader = scratch_reader();
    reader.reset(all.subspan(batch_pos_, size));
    if (!reader.next_batch()) {
      active_ = false;
      return reader.error() ? reader.error() : make_error_code(rec::records_errc::truncated_batch);
    }
    const rec::BatchInfo& b = reader.batch();
    std::size_t handed_out = 0;
    if (!skip_batch(b)) {
      const auto type = b.timestamp_type == rec::TimestampType::log_append_time ? TimestampType::log_append_time
                                                                                 : TimestampType::create_time;
      rec::RecordView v;
      while (out.size() < limit && reader.next_record(v)) {
        if (v.offset < position) continue;
        out.push_back(ConsumerRecord{*event_.partition.topic, event_.partition.partition, v.offset, v.timestamp, type,
                                     b.partition_leader_epoch, v.key, v.value, v.headers});
        position = v.offset + 1;
        ++handed_out;
      }
      if (reader.error()) return reader.error();
      if (handed_out > 0 && b.codec != rec::Codec::none) ++readers_in_use_;
      if (out.size() >= limit && position < b.next_offset()) return {};  // the rest of this batch next poll
    }
    position = std::max(position, b.next_offset());
    batch_pos_ += size;
  }
  if (complete_batch_size(all.subspan(batch_pos_)) > 0) return {};  // `limit` reached; the rest next poll
  position = std::max(position, event_.next_offset);
  active_ = false;
  return {};
}

}  // namespace kwire::detail
