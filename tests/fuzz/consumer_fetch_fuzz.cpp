// Fuzz target for the consumer's side of a Fetch response: the generated
// decoder, then each partition's records and aborted-transaction list handed
// to the consumer's RecordDrain exactly as poll() does (start, drain in polls
// of a few records with new_poll() between them, finish), under
// read_uncommitted and read_committed, CRC checks on or off.
// Input: byte 0 picks the version (mod the newest + 1); byte 1 the options
// (bit 0 read_committed, bit 1 CRC checks, bits 2-4 records per poll - 1,
// bits 5-7 the start position within the batch); the rest is the body after
// the response header. Checks: every view is readable, offsets handed out
// rise strictly from the start position, the position passes each, and
// draining ends (a drain that hands out nothing while data remains aborts).
// Not covered here: the io thread's handling of partition errors,
// high watermarks and the LSO (fetcher.cpp), which needs a network.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "consumer/fetch_queue.hpp"
#include "consumer/record_drain.hpp"
#include "kwire/protocol/api_table.hpp"
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
      if (!p.records) continue;
      kwire::detail::FetchEvent e;
      e.kind = kwire::detail::FetchEvent::Kind::records;
      e.partition = {&topic, p.partition_index};
      e.frame = std::make_shared<kwire::detail::FetchedFrame>(frame, memory);
      e.records = *p.records;
      if (p.aborted_transactions)
        for (const auto& a : *p.aborted_transactions) e.aborted.push_back({a.producer_id, a.first_offset});
      // The fetcher sorts the aborted list by first offset.
      std::sort(e.aborted.begin(), e.aborted.end(),
                [](const auto& a, const auto& b) { return a.first_offset < b.first_offset; });
      // Where the fetch started: near the log start the response names (kept
      // far from INT64_MAX, as a real position is).
      const bool sane = p.log_start_offset >= 0 && p.log_start_offset < (std::int64_t{1} << 62);
      e.fetch_offset = (sane ? p.log_start_offset : 0) + start_skip;
      e.next_offset = e.fetch_offset;
      std::int64_t position = e.fetch_offset;
      drain.start(std::move(e));
      std::int64_t last = position - 1;
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
        if (ec) break;
        // Each poll hands something out or moves on; it cannot stall.
        if (drain.active() && out.empty() && position == before) std::abort();
        if (polls > 1'000'000) std::abort();
      }
      drain.finish();
    }
  }
  return 0;
}
