// Test helpers that wrap generated messages in Kafka request frames (header
// chosen by the API table) and split response frames into header and body.
// Test-only; single thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kwire/protocol/api_table.hpp"
#include "kwire/protocol/messages/request_header.hpp"
#include "kwire/protocol/messages/response_header.hpp"
#include "kwire/protocol/wire/reader.hpp"
#include "kwire/protocol/wire/writer.hpp"

namespace kwire::test {

// Request frame body (without the 4-byte size): header then message.
template <typename Request>
std::vector<std::uint8_t> request_body(const Request& req, std::int16_t version, std::int32_t correlation_id,
                                       const std::string& client_id = "kwire-test") {
  protocol::messages::RequestHeader h;
  h.request_api_key = Request::api_key;
  h.request_api_version = version;
  h.correlation_id = correlation_id;
  h.client_id = client_id;
  protocol::Writer w;
  h.encode(w, protocol::request_header_version(Request::api_key, version));
  req.encode(w, version);
  std::vector<std::uint8_t> out;
  w.gather([&](protocol::Bytes b) { out.insert(out.end(), b.begin(), b.end()); });
  return out;
}

struct SplitResponse {
  protocol::messages::ResponseHeader header;
  std::size_t body_offset = 0;
  std::error_code error;
};

// Reads the response header (version from the API table) off a response frame body.
inline SplitResponse split_response(const std::vector<std::uint8_t>& frame, std::int16_t api_key,
                                    std::int16_t version) {
  SplitResponse out;
  protocol::Reader r(frame);
  out.error = out.header.decode(r, protocol::response_header_version(api_key, version));
  out.body_offset = r.position();
  return out;
}

// Encodes a decoded message again, to compare with the bytes it came from.
template <typename Message>
std::vector<std::uint8_t> encode_again(const Message& m, std::int16_t version) {
  protocol::Writer w;
  m.encode(w, version);
  std::vector<std::uint8_t> out;
  w.gather([&](protocol::Bytes b) { out.insert(out.end(), b.begin(), b.end()); });
  return out;
}

}  // namespace kwire::test
