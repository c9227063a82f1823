// Fuzz target for ApiVersions negotiation (net/src/api_versions.cpp, coded by
// hand for KIP-511). Input: the first request version (byte 0, & 3), then up
// to three broker answers, each a 2-byte big-endian length and that many
// body bytes (after the correlation id). Runs the connection's exchange:
// decode, next_api_versions_step, and on adoption picks a version of every
// API kwire knows. Checks: a retry goes lower and never below v0; an
// adopted table is not empty and counts exactly the APIs it lists as
// supported; a picked version lies in both sides' ranges.
#include <cstdint>
#include <cstdlib>

#include "kwire/net/api_versions.hpp"
#include "kwire/net/api_versions_step.hpp"
#include "kwire/protocol/api_table.hpp"

using namespace kwire::net;

namespace {

void check_table(const ApiVersionTable& table) {
  std::size_t supported = 0;
  for (int key = 0; key <= INT16_MAX; ++key)
    if (table.broker_range(static_cast<std::int16_t>(key))) ++supported;
  if (supported != table.size()) std::abort();
}

void check_picks(const ApiVersionTable& table) {
  for (const auto& api : kwire::protocol::all_apis()) {
    for (std::optional<std::int16_t> cap : {std::optional<std::int16_t>{}, std::optional<std::int16_t>{2}}) {
      std::int16_t version = -1;
      if (table.pick(api.key, api.min_version, api.max_version, cap, version)) continue;
      const auto broker = table.broker_range(api.key);
      if (!broker || version < api.min_version || version > api.max_version || version < broker->min_version ||
          version > broker->max_version || version > api.max_stable_version || (cap && version > *cap))
        std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::int16_t version = data[0] & 3;
  std::size_t at = 1;
  for (int attempt = 0; attempt < 3 && at + 2 <= size; ++attempt) {
    const std::size_t length = std::min<std::size_t>((std::size_t{data[at]} << 8) | data[at + 1], size - at - 2);
    const kwire::protocol::Bytes body(data + at + 2, length);
    at += 2 + length;
    const auto reply = decode_api_versions_body(body, version);
    if (reply.decode_error && !reply.table.empty()) std::abort();
    const auto step = next_api_versions_step(reply, version);
    if (step.kind == ApiVersionsStep::Kind::retry) {
      if (step.retry_version < 0 || step.retry_version >= version) std::abort();
      version = step.retry_version;
      continue;
    }
    if (step.kind == ApiVersionsStep::Kind::adopt) {
      if (reply.table.empty()) std::abort();
      check_table(reply.table);
      check_picks(reply.table);
    }
    break;
  }
  return 0;
}
