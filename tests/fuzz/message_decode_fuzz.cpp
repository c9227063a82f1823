// Fuzz target for every generated decoder. Input: one selector byte (0 request,
// 1 response, 2 request header, 3 response header), the API key (int16, for
// requests and responses), the version (int16), then the message body.
// Checks that decoding never crashes or over-allocates, and that whatever
// decodes re-encodes to a fixed point whose size encoded_size() predicts.
// Seeds (tests/fuzz/corpus/message_decode_fuzz/) are librdkafka's frames.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "kwire/protocol/message_schema.hpp"

using namespace kwire::protocol;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 5) return 0;
  const std::uint8_t selector = data[0] & 3;
  const auto key = static_cast<std::int16_t>((data[1] << 8) | data[2]);
  const auto version = static_cast<std::int16_t>((data[3] << 8) | data[4]);
  const MessageSchema* m = nullptr;
  switch (selector) {
    case 0: m = find_message_schema(MessageKind::request, key); break;
    case 1: m = find_message_schema(MessageKind::response, key); break;
    case 2: m = find_message_schema("RequestHeader"); break;
    default: m = find_message_schema("ResponseHeader"); break;
  }
  if (!m) return 0;
  Bytes body(data + 5, size - 5);
  auto first = round_trip_message(*m, version, body);
  if (first.error) return 0;
  if (first.encoded_size != first.encoded.size()) std::abort();
  // The re-encoding is canonical: decoding and encoding it again changes nothing.
  auto second = round_trip_message(*m, version, first.encoded);
  if (second.error || second.encoded != first.encoded || second.consumed != first.encoded.size()) std::abort();
  return 0;
}
