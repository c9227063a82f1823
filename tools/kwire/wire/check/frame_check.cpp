// check_frame (see frame_check.hpp).
#include "frame_check.hpp"

#include <algorithm>

#include "kwire/protocol/api_table.hpp"
#include "kwire/protocol/message_schema.hpp"
#include "wire/wire_decoder.hpp"

namespace kwire::tool::wire {

namespace {

constexpr std::int16_t kFetch = 1;
constexpr std::int16_t kApiVersions = 18;
constexpr std::int16_t kUnsupportedVersion = 35;
constexpr std::size_t kSizePrefix = 4;

bool same_bytes(const protocol::MessageRoundTrip& rt, protocol::Bytes in) {
  return !rt.error && rt.consumed == in.size() && std::equal(rt.encoded.begin(), rt.encoded.end(), in.begin(), in.end());
}

}  // namespace

FrameCheck check_frame(const FrameInfo& f, bool want_json) {
  FrameCheck out;
  if (!f.decodable) return out;
  using protocol::MessageKind;
  const auto* header_schema = protocol::find_message_schema(f.request ? "RequestHeader" : "ResponseHeader");
  const auto* schema =
      protocol::find_message_schema(f.request ? MessageKind::request : MessageKind::response, f.api_key);
  out.header_version = f.request ? protocol::request_header_version(f.api_key, f.api_version)
                                 : protocol::response_header_version(f.api_key, f.api_version);
  if (!header_schema || !schema || out.header_version < 0) return out;
  out.message = std::string(schema->name);

  protocol::Reader r(f.frame.body);
  DecodeChecks checks;
  checks.base_offset = kSizePrefix;
  checks.records_may_end_partial = !f.request && f.api_key == kFetch;
  Json header = decode_message(*header_schema, out.header_version, r, &checks);
  const std::size_t header_size = r.position();
  // KIP-511: an ApiVersions error answer is shaped as v0 whatever was asked.
  std::int16_t body_version = f.api_version;
  if (!f.request && f.api_key == kApiVersions && r.ok()) {
    protocol::Reader peek(r.rest());
    if (peek.i16() == kUnsupportedVersion) body_version = 0;
  }
  Json body;
  if (r.ok()) body = decode_message(*schema, body_version, r, &checks);
  if (r.ok() && r.remaining())
    checks.found.push_back({"trailing_bytes", out.message, kSizePrefix + r.position(),
                            std::to_string(r.remaining()) + " bytes after the message"});
  out.decoded = r.ok();

  const protocol::Bytes header_bytes = f.frame.body.first(std::min(header_size, f.frame.body.size()));
  const protocol::Bytes body_bytes = f.frame.body.subspan(header_bytes.size());
  const auto header_rt = protocol::round_trip_message(*header_schema, out.header_version, header_bytes);
  const auto body_rt = protocol::round_trip_message(*schema, body_version, body_bytes);
  out.identical = out.decoded && same_bytes(header_rt, header_bytes) && same_bytes(body_rt, body_bytes);
  // The generated structs may refuse what the schema walk let pass: say so.
  if (checks.found.empty() && (header_rt.error || body_rt.error)) {
    const auto& e = header_rt.error ? header_rt.error : body_rt.error;
    checks.found.push_back({"rejected", out.message, kSizePrefix + (header_rt.error ? 0 : header_bytes.size()),
                            "the generated decoder refuses it: " + e.message()});
  }
  out.violations = std::move(checks.found);
  if (want_json) {
    out.header = std::move(header);
    out.body = std::move(body);
  }
  return out;
}

}  // namespace kwire::tool::wire
