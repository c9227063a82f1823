// ApiVersions: what each broker supports, and the version kwire uses for an
// API on a connection (the highest both sides know). The ApiVersions exchange
// is coded by hand here, not with the generated structs, because it must
// survive the KIP-511 case: a broker that does not know our request version
// answers UNSUPPORTED_VERSION with a v0-shaped (or, from librdkafka's mock,
// malformed) body, and only the error code and the broker's own range can be
// trusted. Pure functions and values: any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <system_error>
#include <vector>

#include "kwire/protocol/wire/bytes.hpp"
#include "kwire/protocol/wire/writer.hpp"

namespace kwire::net {

inline constexpr std::int16_t kApiVersionsKey = 18;
inline constexpr std::int16_t kApiVersionsMaxVersion = 3;  // the newest kwire speaks
inline constexpr std::int16_t kUnsupportedVersionError = 35;

struct ApiVersionRange {
  std::int16_t min_version = 0;
  std::int16_t max_version = -1;  // max < min: not supported
};

class ApiVersionTable {
 public:
  void set(std::int16_t api_key, ApiVersionRange range);
  std::optional<ApiVersionRange> broker_range(std::int16_t api_key) const noexcept;
  bool empty() const noexcept { return count_ == 0; }
  std::size_t size() const noexcept { return count_; }

  // The highest version in [our_min, min(our_max, cap)] that the broker also
  // supports; net_errc::unsupported_api when the broker does not list the API,
  // net_errc::no_common_version when the ranges do not meet. A version the
  // specs mark unstable ("latestVersionUnstable") is never picked unless
  // allowed: its meaning may still change, as EndTxn v5's did (KIP-890).
  std::error_code pick(std::int16_t api_key, std::int16_t our_min, std::int16_t our_max,
                       std::optional<std::int16_t> cap, std::int16_t& version) const noexcept;
  void allow_unstable(bool allow) noexcept { allow_unstable_ = allow; }
  bool unstable_allowed() const noexcept { return allow_unstable_; }

 private:
  std::vector<ApiVersionRange> ranges_;  // indexed by api key
  std::size_t count_ = 0;
  bool allow_unstable_ = false;
};

// Body of an ApiVersions request (after the request header) in `version`.
void encode_api_versions_body(protocol::Writer& w, std::int16_t version, std::string_view software_name,
                              std::string_view software_version);

struct ApiVersionsReply {
  std::int16_t error_code = 0;
  ApiVersionTable table;          // the broker's ranges (may be empty on error)
  std::error_code decode_error;   // set when the body did not parse
};

// Decodes an ApiVersions response body (after the v0 response header, i.e.
// after the correlation id). On UNSUPPORTED_VERSION the body is read as v0,
// as KIP-511 specifies; a body that does not parse leaves the table empty.
ApiVersionsReply decode_api_versions_body(protocol::Bytes body, std::int16_t version);

}  // namespace kwire::net
