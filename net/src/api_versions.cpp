// ApiVersions table and the hand-written ApiVersions v0-v3 codec (see header
// for why it is not generated). Any thread.
#include "kwire/net/api_versions.hpp"
#include "kwire/net/api_versions_step.hpp"

#include <algorithm>

#include "kwire/net/errors.hpp"
#include "kwire/protocol/api_table.hpp"
#include "kwire/protocol/wire/reader.hpp"
#include "kwire/protocol/wire/wire_error.hpp"

namespace kwire::net {

void ApiVersionTable::set(std::int16_t api_key, ApiVersionRange range) {
  if (api_key < 0) return;
  auto index = static_cast<std::size_t>(api_key);
  if (index >= ranges_.size()) ranges_.resize(index + 1);
  // count_ counts the APIs listed as supported (max >= min), whatever the
  // order and repetitions of a broker's entries.
  const bool was = ranges_[index].max_version >= ranges_[index].min_version;
  const bool now = range.max_version >= range.min_version;
  if (now && !was) ++count_;
  if (was && !now) --count_;
  ranges_[index] = range;
}

std::optional<ApiVersionRange> ApiVersionTable::broker_range(std::int16_t api_key) const noexcept {
  if (api_key < 0 || static_cast<std::size_t>(api_key) >= ranges_.size()) return std::nullopt;
  const auto& r = ranges_[static_cast<std::size_t>(api_key)];
  if (r.max_version < r.min_version) return std::nullopt;
  return r;
}

std::error_code ApiVersionTable::pick(std::int16_t api_key, std::int16_t our_min, std::int16_t our_max,
                                      std::optional<std::int16_t> cap, std::int16_t& version) const noexcept {
  auto broker = broker_range(api_key);
  if (!broker) return net_errc::unsupported_api;
  std::int16_t high = std::min(our_max, broker->max_version);
  if (!allow_unstable_) {
    if (const auto* api = protocol::find_api(api_key)) high = std::min(high, api->max_stable_version);
  }
  if (cap) high = std::min(high, *cap);
  std::int16_t low = std::max(our_min, broker->min_version);
  if (high < low) return net_errc::no_common_version;
  version = high;
  return {};
}

void encode_api_versions_body(protocol::Writer& w, std::int16_t version, std::string_view software_name,
                              std::string_view software_version) {
  if (version < 3) return;  // v0-v2 bodies are empty
  w.compact_string(software_name);
  w.compact_string(software_version);
  w.uvarint(0);  // no tagged fields
}

ApiVersionsReply decode_api_versions_body(protocol::Bytes body, std::int16_t version) {
  ApiVersionsReply reply;
  protocol::Reader r(body);
  reply.error_code = r.i16();
  if (!r.ok()) {
    reply.decode_error = r.error();
    return reply;
  }
  // KIP-511: an UNSUPPORTED_VERSION answer is always shaped as v0.
  bool flexible = version >= 3 && reply.error_code != kUnsupportedVersionError;
  auto count = flexible ? r.compact_array_length() : r.array_length();
  ApiVersionTable table;
  for (std::size_t i = 0; count && i < *count && r.ok(); ++i) {
    std::int16_t key = r.i16();
    ApiVersionRange range{r.i16(), r.i16()};
    if (flexible) r.skip_tagged_fields();
    if (r.ok()) table.set(key, range);
  }
  if (!count && r.ok()) r.fail(protocol::wire_errc::unexpected_null);
  if (r.ok() && version >= 1 && reply.error_code != kUnsupportedVersionError) r.i32();  // throttle_time_ms
  if (r.ok() && flexible) r.skip_tagged_fields();
  if (!r.ok()) {
    reply.decode_error = r.error();
    return reply;
  }
  reply.table = std::move(table);
  return reply;
}

ApiVersionsStep next_api_versions_step(const ApiVersionsReply& reply, std::int16_t version) noexcept {
  if (reply.error_code == kUnsupportedVersionError && version > 0) {
    std::int16_t next = 0;
    if (auto theirs = reply.table.broker_range(kApiVersionsKey)) next = std::min(theirs->max_version, version);
    if (next >= version) next = static_cast<std::int16_t>(version - 1);
    return {ApiVersionsStep::Kind::retry, std::max<std::int16_t>(next, 0)};
  }
  if (reply.error_code != 0 || reply.decode_error || reply.table.empty()) return {};
  return {ApiVersionsStep::Kind::adopt, version};
}

}  // namespace kwire::net
