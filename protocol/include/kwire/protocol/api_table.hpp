// The Kafka APIs kwire can encode and decode: key, name, the versions our
// generated messages support and the first flexible version, plus the header
// versions each (key, version) pair uses. The table is generated from the
// specs (protocol/generated/src/api_table_data.cpp). Any thread; read-only.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace kwire::protocol {

struct ApiInfo {
  std::int16_t key;
  std::string_view name;
  std::int16_t min_version;
  std::int16_t max_version;
  // max_version, or one less when the spec marks its newest version unstable
  // ("latestVersionUnstable": its meaning may still change, as EndTxn v5's
  // did). Below min_version when no version is stable.
  std::int16_t max_stable_version;
  std::int16_t first_flexible_version;  // -1 when no version is flexible
};

// Every API, sorted by key.
std::span<const ApiInfo> all_apis() noexcept;
// nullptr for a key we do not know.
const ApiInfo* find_api(std::int16_t key) noexcept;

// Request header v0-v2: v2 for flexible request versions, else v1; v0 only for
// ControlledShutdown v0. Returns -1 for an unknown key.
std::int16_t request_header_version(std::int16_t key, std::int16_t version) noexcept;
// Response header v0-v1: v1 for flexible versions, except ApiVersions, whose
// response always uses v0 so a client can read it before versions are agreed.
std::int16_t response_header_version(std::int16_t key, std::int16_t version) noexcept;

}  // namespace kwire::protocol
