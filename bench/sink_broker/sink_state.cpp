// Sink broker state (see sink_state.hpp).
#include "sink_state.hpp"

namespace kwire::bench {

void SinkState::touch_topic(const std::string& topic) {
  std::lock_guard lock(mu_);
  auto& offsets = next_offsets_[topic];
  if (offsets.empty()) offsets.assign(static_cast<std::size_t>(partitions_), 0);
}

std::vector<std::string> SinkState::topics() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, offsets] : next_offsets_) out.push_back(name);
  return out;
}

std::int64_t SinkState::append(const std::string& topic, std::int32_t partition, std::int64_t records) {
  std::lock_guard lock(mu_);
  auto& offsets = next_offsets_[topic];
  if (offsets.empty()) offsets.assign(static_cast<std::size_t>(partitions_), 0);
  auto& next = offsets[static_cast<std::size_t>(partition)];
  std::int64_t base = next;
  next += records;
  return base;
}

}  // namespace kwire::bench
