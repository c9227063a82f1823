// Fuzz target for a Fetch response as a whole, as a consumer meets it: the
// generated decoder for the body, then every partition's records through the
// batch reader (CRC checks on and off) and its aborted-transaction list.
// Input: byte 0 picks the version (mod the newest + 1), the rest is the body
// after the response header. Checks: whatever decodes re-encodes to the
// size encoded_size() predicts and decodes again to the same bytes.
#include <cstdint>
#include <cstdlib>

#include "kwire/protocol/api_table.hpp"
#include "kwire/protocol/messages/fetch_response.hpp"
#include "kwire/protocol/wire/reader.hpp"
#include "kwire/protocol/wire/writer.hpp"
#include "read_records.hpp"

namespace msg = kwire::protocol::messages;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  static const std::int16_t newest = kwire::protocol::find_api(msg::FetchResponse::api_key)->max_version;
  const auto version = static_cast<std::int16_t>(data[0] % (newest + 1));
  kwire::protocol::Reader r(kwire::protocol::Bytes(data + 1, size - 1));
  msg::FetchResponse response;
  if (response.decode(r, version)) return 0;
  std::int64_t sink = 0;
  for (const auto& topic : response.responses) {
    for (const auto& partition : topic.partitions) {
      if (partition.aborted_transactions)
        for (const auto& aborted : *partition.aborted_transactions) sink ^= aborted.producer_id ^ aborted.first_offset;
      if (!partition.records) continue;
      sink += static_cast<std::int64_t>(kwire::fuzz::read_records(*partition.records, true));
      sink += static_cast<std::int64_t>(kwire::fuzz::read_records(*partition.records, false));
    }
  }
  kwire::protocol::Writer w;
  response.encode(w, version);
  const auto encoded = w.release();
  if (encoded.size() != response.encoded_size(version)) std::abort();
  kwire::protocol::Reader again_reader(encoded);
  msg::FetchResponse again;
  if (again.decode(again_reader, version)) std::abort();
  kwire::protocol::Writer w2;
  again.encode(w2, version);
  if (w2.release() != encoded) std::abort();
  volatile std::int64_t keep = sink;
  (void)keep;
  return 0;
}
