// Lookups over the generated API table and the header-version rules.
#include "kwire/protocol/api_table.hpp"

#include <algorithm>

namespace kwire::protocol {

namespace {
constexpr std::int16_t kApiVersionsKey = 18;
constexpr std::int16_t kControlledShutdownKey = 7;

bool is_flexible(const ApiInfo& api, std::int16_t version) noexcept {
  return api.first_flexible_version >= 0 && version >= api.first_flexible_version;
}
}  // namespace

const ApiInfo* find_api(std::int16_t key) noexcept {
  auto apis = all_apis();
  auto it = std::lower_bound(apis.begin(), apis.end(), key,
                             [](const ApiInfo& a, std::int16_t k) { return a.key < k; });
  if (it == apis.end() || it->key != key) return nullptr;
  return &*it;
}

std::int16_t request_header_version(std::int16_t key, std::int16_t version) noexcept {
  const ApiInfo* api = find_api(key);
  if (!api) return -1;
  if (is_flexible(*api, version)) return 2;
  // ControlledShutdown v0 predates the client id in the header.
  if (key == kControlledShutdownKey && version == 0) return 0;
  return 1;
}

std::int16_t response_header_version(std::int16_t key, std::int16_t version) noexcept {
  const ApiInfo* api = find_api(key);
  if (!api) return -1;
  if (key == kApiVersionsKey) return 0;
  return is_flexible(*api, version) ? 1 : 0;
}

}  // namespace kwire::protocol
