// Fuzz target for the record batch reader (magic 2 batches and legacy
// message sets). Input: a records blob as found in a Fetch response. Reads
// every batch, record and header with CRC checks on and off (off lets the
// fuzzer reach the record parser), touching every view so the sanitizers see
// any out-of-bounds access. Decompression is capped at 4 MiB.
#include <cstddef>
#include <cstdint>

#include "kwire/protocol/records/batch_reader.hpp"

using namespace kwire::protocol::records;

namespace {
std::uint8_t touch(kwire::protocol::Bytes b) {
  std::uint8_t x = 0;
  for (std::uint8_t c : b) x ^= c;
  return x;
}

void read_all(kwire::protocol::Bytes blob, bool verify_crc) {
  BatchReaderOptions opts;
  opts.verify_crc = verify_crc;
  opts.max_decompressed_bytes = 4 << 20;
  BatchReader r(blob, opts);
  volatile std::uint8_t sink = 0;
  while (r.next_batch()) {
    RecordView rec;
    while (r.next_record(rec)) {
      if (rec.key) sink = sink ^ touch(*rec.key);
      if (rec.value) sink = sink ^ touch(*rec.value);
      for (const Header& h : rec.headers) {
        sink = sink ^ touch(kwire::protocol::as_bytes(h.key));
        if (h.value) sink = sink ^ touch(*h.value);
      }
      if (r.batch().control) {
        ControlRecord marker;
        (void)parse_control_record(rec, marker);
      }
    }
  }
  (void)r.error();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  kwire::protocol::Bytes blob(data, size);
  read_all(blob, true);
  read_all(blob, false);
  return 0;
}
