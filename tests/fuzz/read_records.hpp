// Reads every batch, record and header of a records blob (magic 2 batches
// and legacy message sets), touching every view so the sanitizers see any
// out-of-bounds access; control records are parsed too. Shared by the fuzz
// targets that reach record batches. Decompression is capped at 4 MiB.
#pragma once

#include <cstdint>

#include "kwire/protocol/records/batch_reader.hpp"

namespace kwire::fuzz {

inline std::uint8_t touch(kwire::protocol::Bytes b) {
  std::uint8_t x = 0;
  for (std::uint8_t c : b) x ^= c;
  return x;
}

// Returns how many records were read.
inline std::size_t read_records(kwire::protocol::Bytes blob, bool verify_crc) {
  namespace records = kwire::protocol::records;
  records::BatchReaderOptions opts;
  opts.verify_crc = verify_crc;
  opts.max_decompressed_bytes = 4 << 20;
  records::BatchReader r(blob, opts);
  volatile std::uint8_t sink = 0;
  std::size_t count = 0;
  while (r.next_batch()) {
    records::RecordView rec;
    while (r.next_record(rec)) {
      ++count;
      if (rec.key) sink = sink ^ touch(*rec.key);
      if (rec.value) sink = sink ^ touch(*rec.value);
      for (const records::Header& h : rec.headers) {
        sink = sink ^ touch(kwire::protocol::as_bytes(h.key));
        if (h.value) sink = sink ^ touch(*h.value);
      }
      if (r.batch().control) {
        records::ControlRecord marker;
        (void)records::parse_control_record(rec, marker);
      }
    }
  }
  (void)r.error();
  return count;
}

}  // namespace kwire::fuzz
