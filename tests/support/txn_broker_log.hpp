// One partition of the TxnBroker (txn_broker.hpp): the stored record batches
// with their assigned offsets, Kafka's per-producer idempotence state (epoch
// and the last five batches' sequence ranges, judged as in
// ../shared/KAFKA-PRODUCER-STATE.md), the first offset of each open
// transaction (which bounds the last stable offset) and the aborted index,
// and the leader epoch cache (KIP-320): each epoch's start offset, the
// epoch stamped into every batch stored under it.
// Not thread-safe: the broker's state mutex guards every call.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <span>
#include <utility>
#include <vector>

#include "kwire/protocol/records/batch_reader.hpp"
#include "kwire/protocol/records/record.hpp"
#include "txn_broker.hpp"

namespace kwire::test::txn {

struct StoredBatch {
  std::int64_t base_offset = 0;
  std::int64_t last_offset = 0;
  std::int64_t max_timestamp = 0;
  bool control = false;
  std::vector<std::uint8_t> bytes;  // base offset already rewritten
};

struct AppendResult {
  std::int16_t error = 0;        // Kafka error code; nothing written when set
  std::int64_t base_offset = -1;
  bool duplicate = false;        // a retry of a recent batch: not written again
};

// What a read returns: the batches' bytes back to back, and the offset just
// past the last batch returned.
struct ReadSlice {
  std::vector<std::uint8_t> records;
  std::int64_t end_offset = 0;
};

class PartitionLog {
 public:
  // Checks the batch (described by info, already CRC-checked) against the
  // producer's state and appends a copy with its offsets assigned.
  // transaction_has_partition: the producer's open transaction includes this
  // partition (only asked of transactional batches).
  AppendResult append(std::span<const std::uint8_t> batch, const kwire::protocol::records::BatchInfo& info,
                      bool transaction_has_partition);

  // Writes a COMMIT or ABORT control batch for the producer and closes its
  // open transaction here (an abort goes into the aborted index). A newer
  // epoch replaces the producer's epoch here, fencing older ones. A marker
  // older than the producer's epoch here is refused (false): nothing written.
  bool append_marker(std::int64_t producer_id, std::int16_t epoch, kwire::protocol::records::ControlType type,
                     std::int64_t timestamp_ms);

  // Batches from the one holding `offset` on, below `limit` (exclusive),
  // at least one batch if any, then up to max_bytes in total.
  ReadSlice read(std::int64_t offset, std::int64_t limit, std::size_t max_bytes) const;
  // Aborted transactions that overlap [from, to).
  std::vector<TxnAbortedRange> aborted_between(std::int64_t from, std::int64_t to) const;
  // First offset of a batch whose max timestamp is >= ts; -1 if none.
  std::int64_t offset_for_timestamp(std::int64_t ts) const;

  // A new leader epoch starts at the high watermark; later batches carry it.
  void begin_epoch(std::int32_t epoch);
  // OffsetForLeaderEpoch's answer for `epoch`: the largest epoch not above it
  // that this log knows, and where the epoch after that one starts (the high
  // watermark for the current epoch). {-1, -1} if `epoch` is older than all.
  std::pair<std::int32_t, std::int64_t> end_offset_for_epoch(std::int32_t epoch) const;
  // An unclean leader election: the new leader never had the batches from
  // `offset` on (a batch boundary), so they are gone, with the epochs that
  // started after it. Producer and transaction state is forgotten too (the
  // new leader has none for the lost batches).
  void truncate(std::int64_t offset);

  std::int64_t high_watermark() const noexcept { return next_offset_; }
  std::int64_t last_stable_offset() const noexcept;
  std::int64_t log_start_offset() const noexcept { return 0; }
  int control_batches() const noexcept { return control_batches_; }
  const std::vector<StoredBatch>& batches() const noexcept { return batches_; }
  const std::vector<TxnAbortedRange>& aborted() const noexcept { return aborted_; }

 private:
  struct SequenceRange {
    std::int32_t first_seq = 0;
    std::int32_t last_seq = 0;
    std::int64_t base_offset = 0;
  };
  struct ProducerEntry {
    std::int16_t epoch = -1;
    std::deque<SequenceRange> recent;  // at most 5, oldest first
  };
  static constexpr std::size_t kRecentBatches = 5;

  std::int16_t check_sequence(const ProducerEntry* entry, const kwire::protocol::records::BatchInfo& info,
                              std::int64_t& duplicate_offset) const;
  void store(std::span<const std::uint8_t> batch, std::int64_t last_offset_delta, std::int64_t max_timestamp,
             bool control);

  std::vector<StoredBatch> batches_;
  std::int64_t next_offset_ = 0;
  int control_batches_ = 0;
  std::map<std::int64_t, ProducerEntry> producers_;
  std::map<std::int64_t, std::int64_t> open_txn_first_offset_;  // producer id -> first offset
  std::vector<TxnAbortedRange> aborted_;
  std::map<std::int32_t, std::int64_t> epoch_starts_{{0, 0}};  // leader epoch -> its first offset
  std::int32_t epoch_ = 0;
};

}  // namespace kwire::test::txn
