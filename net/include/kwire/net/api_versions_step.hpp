// The ApiVersions exchange's decision after each answer, as a pure function
// (used by BrokerConnection::negotiate_versions and the fuzz target):
// adopt the broker's table, ask again at a lower version (KIP-511: the
// highest the broker says it knows, or v0 when its answer did not parse, as
// librdkafka's mock sends), or give up. A retry's version is in
// [0, version) whatever range a hostile broker lists, so the exchange ends.
// Any thread.
#pragma once

#include <cstdint>

#include "kwire/net/api_versions.hpp"

namespace kwire::net {

struct ApiVersionsStep {
  enum class Kind { adopt, retry, fail } kind = Kind::fail;
  std::int16_t retry_version = 0;  // for retry
};

ApiVersionsStep next_api_versions_step(const ApiVersionsReply& reply, std::int16_t version) noexcept;

}  // namespace kwire::net
