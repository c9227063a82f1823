// The versions the conformance tests force on kwire, API by API: from the
// lowest kwire can send to the highest it negotiates (the specs' highest
// stable version, lowered where kwire caps an API on purpose), and the
// TxnBroker ranges that force one version of every API at once ("round k":
// every API at min(max(k, lowest), highest)). Header-only; any thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "kwire/protocol/api_table.hpp"
#include "txn_broker.hpp"

namespace kwire::test::conformance {

struct ForcedApi {
  std::int16_t key;
  std::int16_t lowest;  // the lowest version kwire sends (and the TxnBroker answers)
  // kwire's own cap below the specs' highest stable version (-1: none), and why.
  std::int16_t kwire_cap;
  const char* why_capped;
};

// Every API kwire's transactional producer sends. ApiVersions goes out at v3
// first; a broker that knows less answers UNSUPPORTED_VERSION (KIP-511) and
// kwire asks again at the broker's highest, so a round's ApiVersions
// requests are v3 and the forced version.
inline const std::vector<ForcedApi>& producer_apis() {
  static const std::vector<ForcedApi> apis = {
      {18, 0, 3, "kwire's ApiVersions exchange is written for v0-v3; v4 only lets SupportedFeatures start at 0"},
      // Produce v0-v2 carry message sets v0/v1, which kwire does not write:
      // it sends v3+ (record batches v2; version_floor_test.cpp).
      {0, 3, -1, ""},
      {3, 0, -1, ""},  // Metadata
      // FindCoordinator v0 has no key type (a broker would answer the group
      // coordinator of the transactional id): kwire asks for v1+ for a
      // transaction lookup (version_floor_test.cpp).
      {10, 1, 3, "v4+ batches coordinator keys (KIP-699); kwire asks for one key"},
      {22, 0, -1, ""},  // InitProducerId
      {24, 0, 3, "v4+ is for brokers only (KIP-890)"},
      {25, 0, -1, ""},  // AddOffsetsToTxn
      {26, 0, 4, "v5 is transactions v2 (KIP-890 part 2), unstable in the specs"},
      {28, 0, -1, ""},  // TxnOffsetCommit
  };
  return apis;
}

// What kwire::Consumer sends, read_committed (client/src/consumer). Isolation
// levels exist from ListOffsets v2 and Fetch v4: below them a read_committed
// consumer would read uncommitted data, so the rounds start there. `kwire
// consume` reads with this consumer. The TxnBroker answers Fetch from v4.
inline const std::vector<ForcedApi>& consumer_apis() {
  static const std::vector<ForcedApi> apis = {
      {18, 0, 3, "kwire's ApiVersions exchange is written for v0-v3; v4 only lets SupportedFeatures start at 0"},
      {3, 0, -1, ""},  // Metadata
      {2, 2, 3, "the consumer asks for ListOffsets v3 at most (earliest/latest only)"},
      {1, 4, 12, "v13+ name topics by id only"},
  };
  return apis;
}

// What kwire sends to authenticate a connection (net/src/sasl). SaslHandshake
// v0 is followed by raw SASL tokens, not SaslAuthenticate frames: kwire
// speaks only the framed exchange (KIP-152), so it sends v1 and fails with
// no_common_version against a broker knowing v0 only (sasl_versions_test.cpp).
inline const std::vector<ForcedApi>& sasl_apis() {
  static const std::vector<ForcedApi> apis = {
      {17, 1, -1, ""},  // SaslHandshake
      {36, 0, -1, ""},  // SaslAuthenticate
  };
  return apis;
}

inline const ForcedApi& find_forced(const std::vector<ForcedApi>& apis, std::int16_t key) {
  for (const auto& api : apis)
    if (api.key == key) return api;
  throw std::out_of_range("API not in the list");
}

inline const ForcedApi& producer_api(std::int16_t key) { return find_forced(producer_apis(), key); }

inline std::int16_t specs_highest_stable(std::int16_t key) {
  const auto* info = kwire::protocol::find_api(key);
  return info ? info->max_stable_version : -1;
}

// The highest version kwire negotiates for the API.
inline std::int16_t highest(const ForcedApi& api) {
  const std::int16_t stable = specs_highest_stable(api.key);
  return api.kwire_cap >= 0 ? std::min(stable, api.kwire_cap) : stable;
}

inline std::int16_t version_in_round(const ForcedApi& api, int round) {
  return static_cast<std::int16_t>(std::clamp<int>(round, api.lowest, highest(api)));
}

// Rounds 0..rounds()-1 reach every version of every API.
inline int rounds(const std::vector<ForcedApi>& apis = producer_apis()) {
  int n = 0;
  for (const auto& api : apis) n = std::max(n, highest(api) + 1);
  return n;
}

// The versions a round's requests of the API must have used.
inline std::vector<std::int16_t> expected_in_round(const ForcedApi& api, int round) {
  const auto v = version_in_round(api, round);
  if (api.key == 18 && v != highest(api)) return {v, highest(api)};
  return {v};
}

// TxnBroker ranges of a round: exactly one version of every API.
inline std::vector<TxnApiVersions> advertise_round(int round,
                                                   const std::vector<ForcedApi>& apis = producer_apis()) {
  std::vector<TxnApiVersions> out;
  for (const auto& api : apis) {
    const auto v = version_in_round(api, round);
    out.push_back({api.key, v, v});
  }
  return out;
}

inline std::string api_name(std::int16_t key) {
  const auto* info = kwire::protocol::find_api(key);
  return info ? std::string(info->name) : "api " + std::to_string(key);
}

}  // namespace kwire::test::conformance
