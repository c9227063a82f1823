// Hands out one partition's fetched records as ConsumerRecord views, batch
// by batch, on the polling thread: CRC checks (check.crcs), decompression,
// control batches skipped, and under read_committed the batches of aborted
// transactions skipped (from the response's aborted list, as Kafka's own
// consumer does: a producer's batches are dropped from the first offset of
// one of its aborted transactions until its ABORT marker). Records below the
// position are skipped (a compressed batch starts before it, or a batch cut
// by max.poll.records is handed out again from where the last poll stopped).
//
// Views into compressed batches point into a BatchReader's buffer; such a
// reader is kept aside until the next poll (new_poll()), so records stay
// valid; readers and their buffers are reused, not reallocated, poll after
// poll. No allocation per record. Polling thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <system_error>
#include <vector>

#include "consumer/fetch_queue.hpp"
#include "kwire/consumer.hpp"
#include "kwire/protocol/records/batch_reader.hpp"

namespace kwire::detail {

class RecordDrain {
 public:
  RecordDrain(bool verify_crc, bool read_committed);

  // The records handed out by the last poll are no longer referenced.
  void new_poll() noexcept { readers_in_use_ = 0; }

  void start(FetchEvent&& records);
  bool active() const noexcept { return active_; }
  const FetchEvent& current() const noexcept { return event_; }

  // Appends records at or after `position` until `out` holds `limit` or the
  // data ends (then active() turns false); advances `position` past what was
  // handed out or skipped. A corrupt batch ends the data with its error.
  std::error_code drain(std::vector<ConsumerRecord>& out, std::size_t limit, std::int64_t& position);
  // Ends the current data; returns its frame, which the records handed out
  // in this poll may still point into.
  std::shared_ptr<FetchedFrame> finish();

 private:
  protocol::records::BatchReader& scratch_reader();
  bool skip_batch(const protocol::records::BatchInfo& batch);

  protocol::records::BatchReaderOptions options_;
  const bool read_committed_;
  FetchEvent event_;
  bool active_ = false;
  std::size_t batch_pos_ = 0;       // bytes of event_.records fully handed out
  std::size_t aborted_next_ = 0;    // next entry of event_.aborted not yet reached
  std::vector<std::int64_t> aborting_;  // producers inside an aborted transaction
  std::vector<std::unique_ptr<protocol::records::BatchReader>> readers_;
  std::size_t readers_in_use_ = 0;  // readers_[0..n) hold buffers records of this poll point into
};

}  // namespace kwire::detail
