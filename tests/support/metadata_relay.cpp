// Metadata answers rewritten on their way through a test relay (see
// metadata_relay.hpp).
#include "metadata_relay.hpp"

#include "kwire/protocol/wire/reader.hpp"
#include "kwire/protocol/wire/writer.hpp"

namespace kwire::test {
namespace {

using frames::Frame;
constexpr std::int16_t kMetadata = 3;

}  // namespace

bool rewrite_metadata_brokers(Frame& frame, std::int16_t version, const AddressMap& map) {
  const bool flexible = version >= 9;
  protocol::Reader r(frame);
  protocol::Writer w;
  r.i32();  // correlation id
  if (flexible) r.skip_tagged_fields();
  if (version >= 3) r.i32();  // throttle_time_ms
  if (!r.ok()) return false;
  w.raw(protocol::Bytes(frame).first(r.position()));
  std::optional<std::size_t> count = flexible ? r.compact_array_length() : r.array_length();
  if (!r.ok() || !count) return false;
  if (flexible) w.compact_array_length(*count);
  else w.array_length(*count);
  for (std::size_t i = 0; i < *count; ++i) {
    std::int32_t node = r.i32();
    std::string host(flexible ? r.compact_string() : r.string());
    std::int32_t port = r.i32();
    std::optional<std::string_view> rack;
    if (version >= 1) rack = flexible ? r.compact_nullable_string() : r.nullable_string();
    std::size_t tags_start = r.position();
    if (flexible) r.skip_tagged_fields();
    if (!r.ok()) return false;
    if (auto mapped = map(host, port)) {
      host = mapped->first;
      port = mapped->second;
    }
    w.i32(node);
    if (flexible) w.compact_string(host);
    else w.string(host);
    w.i32(port);
    if (version >= 1) {
      if (flexible) w.compact_nullable_string(rack);
      else w.nullable_string(rack);
    }
    if (flexible) w.raw(protocol::Bytes(frame).subspan(tags_start, r.position() - tags_start));
  }
  w.raw(r.rest());
  frame = w.release();
  return true;
}

void MetadataAnswers::note_request(const std::vector<std::uint8_t>& frame) {
  protocol::Reader r(frame);
  std::int16_t key = r.i16();
  std::int16_t version = r.i16();
  std::int32_t correlation = r.i32();
  if (r.ok() && key == kMetadata) versions_[correlation] = version;
}

bool MetadataAnswers::rewrite_answer(std::vector<std::uint8_t>& frame, const AddressMap& map) {
  protocol::Reader r(frame);
  std::int32_t correlation = r.i32();
  auto it = versions_.find(correlation);
  if (!r.ok() || it == versions_.end()) return false;
  const bool rewritten = rewrite_metadata_brokers(frame, it->second, map);
  versions_.erase(it);
  return rewritten;
}

}  // namespace kwire::test
