// Fuzz target for the consumer's side of a Fetch response: the generated
// decoder; then each partition's answer judged as the fetcher's io thread
// does (judge_fetch_answer: partition error codes, OFFSET_OUT_OF_RANGE per
// auto.offset.reset, records, high watermark, LSO, log start and the
// aborted-transaction list, all as the response says); then, when it yields
// records, those and the judged aborted list handed to the consumer's
// RecordDrain exactly as poll() does (start, drain in polls of a few records
// with new_poll() between them, finish), under read_uncommitted and
// read_committed, CRC checks on or off.
// Input: byte 0 picks the version (mod the newest + 1) and, above that, the
// auto.offset.reset (earliest, latest, none); byte 1 the options (bit 0
// read_committed, bit 1 CRC checks, bits 2-4 records per poll - 1, bits 5-7
// the start position within the batch); the rest is the body after the
// response header. Checks: the judgement fits the answer (a reset only for
// OFFSET_OUT_OF_RANGE with a reset policy, a retry only for a retriable
// error, a stop with an error and a message, records only without an error
// and with the next offset past the fetch offset, the aborted list sorted
// and empty under read_uncommitted); every view is readable, offsets handed
// out rise strictly from the start position, the position passes each, a
// drain that ends without an error leaves the position at or past the
// judged next offset (where the fetcher goes on), and draining ends (a
// drain that hands out nothing while data remains aborts).
// Not covered here: what the fetcher does over time with the judgement
// (retry timing, metadata refresh), which needs a network and is tested
// against the mock and the TxnBroker.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "consumer/fetch_answer.hpp"
#include "consumer/fetch_queue.hpp"
#include "consumer/record_drain.hpp"
#include "kwire/protocol/api_table.hpp"
#include "kwire/protocol/errors.hpp"
#include "kwire/protocol/messages/fetch_response.hpp"
#include "kwire/protocol/wire/reader.hpp"

namespace msg = kwire::protocol::messages;

namespace {

std::uint8_t touch(kwire::protocol::Bytes b) {
  std::uint8_t x = 0;
  for (std::uint8_t c : b) x ^= c;
  return x;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  static const std::int16_t newest = kwire::protocol::find_api(msg::FetchResponse::api_key)->max_version;
  const auto version = static_cast<std::int16_t>(data[0] % (newest + 1));
  const auto reset = static_cast<kwire::OffsetReset>((data[0] / (newest + 1)) % 3);
  const bool read_committed = (data[1] & 1) != 0;
  const bool verify_crc = (data[1] & 2) != 0;
  const std::size_t per_poll = static_cast<std::size_t>((data[1] >> 2) & 7) + 1;
  const std::int64_t start_skip = (data[1] >> 5) & 7;
  // The frame the records point into, as a fetched response's would be.
  auto frame = std::make_shared<const std::vector<std::uint8_t>>(data + 2, data + size);
  kwire::protocol::Reader r(kwire::protocol::Bytes(frame->data(), frame->size()));
  msg::FetchResponse response;
  if (response.decode(r, version)) return 0;

  auto memory = std::make_shared<kwire::detail::FetchMemory>(std::int64_t{1} << 40);
  kwire::detail::RecordDrain drain(verify_crc, read_committed);
  const std::string topic = "fuzz";
  std::vector<kwire::ConsumerRecord> out;
  out.reserve(per_poll);
  volatile std::uint8_t sink = 0;
  for (const auto& t : response.responses) {
    for (const auto& p : t.partitions) {
      // Where the fetch started: near the log start the response names (kept
      // far from INT64_MAX, as a real position is).
      const bool sane = p.log_start_offset >= 0 && p.log_start_offset < (std::int64_t{1} << 62);
      const std::int64_t fetch_offset = (sane ? p.log_start_offset : 0) + start_skip;
      const auto isolation =
          read_committed ? kwire::IsolationLevel::read_committed : kwire::IsolationLevel::read_uncommitted;
      auto answer = kwire::detail::judge_fetch_answer(p, "fuzz [0]", fetch_offset, isolation, reset,
                                                      static_cast<std::int32_t>(per_poll * 64));
      using Kind = kwire::detail::FetchAnswer::Kind;
      const std::error_code partition_error = kwire::protocol::kafka_error(p.error_code);
      switch (answer.kind) {
        case Kind::reset:
          if (partition_error != kwire::protocol::kafka_errc::offset_out_of_range || reset == kwire::OffsetReset::none)
            std::abort();
          continue;
        case Kind::retry:
          if (!answer.error || answer.error != partition_error || !kwire::protocol::is_retriable(answer.error))
            std::abort();
          continue;
        case Kind::stop:
          if (!answer.error || answer.detail.empty()) std::abort();
          if (partition_error && answer.error != partition_error) std::abort();
          continue;
        case Kind::nothing:
          if (partition_error) std::abort();
          continue;
        case Kind::records: break;
      }
      if (partition_error || !p.records || answer.next_offset <= fetch_offset) std::abort();
      if (!read_committed && !answer.aborted.empty()) std::abort();
      if (!std::is_sorted(answer.aborted.begin(), answer.aborted.end(),
                          [](const auto& a, const auto& b) { return a.first_offset < b.first_offset; }))
        std::abort();
      kwire::detail::FetchEvent e;
      e.kind = kwire::detail::FetchEvent::Kind::records;
      e.partition = {&topic, p.partition_index};
      e.frame = std::make_shared<kwire::detail::FetchedFrame>(frame, memory);
      e.records = *p.records;
      e.aborted = std::move(answer.aborted);
      e.fetch_offset = fetch_offset;
      e.next_offset = answer.next_offset;
      std::int64_t position = e.fetch_offset;
      drain.start(std::move(e));
      std::int64_t last = position - 1;
      const std::int64_t next_offset = answer.next_offset;
      bool clean = true;
      for (int polls = 0; drain.active(); ++polls) {
        drain.new_poll();
        out.clear();
        const std::int64_t before = position;
        const std::error_code ec = drain.drain(out, per_poll, position);
        for (const kwire::ConsumerRecord& rec : out) {
          if (rec.offset <= last || rec.offset >= position) std::abort();
          last = rec.offset;
          if (rec.key) sink = sink ^ touch(*rec.key);
          if (rec.value) sink = sink ^ touch(*rec.value);
          for (const kwire::Header& h : rec.headers) {
            sink = sink ^ touch(kwire::protocol::as_bytes(h.key));
            if (h.value) sink = sink ^ touch(*h.value);
          }
        }
        if (ec) {
          clean = false;
          break;
        }
        // Each poll hands something out or moves on; it cannot stall.
        if (drain.active() && out.empty() && position == before) std::abort();
        if (polls > 1'000'000) std::abort();
      }
      // The fetcher goes on at next_offset; a drain that stopped short of it
      // would have the consumer drop every later fetch of the partition.
      if (clean && position < next_offset) std::abort();
      drain.finish();
    }
  }
  return 0;
}
