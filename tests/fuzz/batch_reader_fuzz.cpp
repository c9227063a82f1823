// Fuzz target for the record batch reader (magic 2 batches and legacy
// message sets). Input: a records blob as found in a Fetch response. Reads
// every batch, record and header with CRC checks on and off (off lets the
// fuzzer reach the record parser).
#include <cstddef>
#include <cstdint>

#include "read_records.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  kwire::protocol::Bytes blob(data, size);
  (void)kwire::fuzz::read_records(blob, true);
  (void)kwire::fuzz::read_records(blob, false);
  return 0;
}
