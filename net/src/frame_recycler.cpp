// FrameRecycler (see frame_recycler.hpp).
#include "kwire/net/frame_recycler.hpp"

#include <algorithm>

namespace kwire::net {

std::shared_ptr<std::vector<std::uint8_t>> FrameRecycler::take(std::size_t size) {
  std::unique_ptr<std::vector<std::uint8_t>> buffer;
  {
    std::lock_guard lock(mu_);
    // The smallest kept buffer that holds `size` without reallocating.
    auto best = kept_.end();
    for (auto it = kept_.begin(); it != kept_.end(); ++it)
      if ((*it)->capacity() >= size && (best == kept_.end() || (*it)->capacity() < (*best)->capacity())) best = it;
    if (best != kept_.end()) {
      buffer = std::move(*best);
      kept_.erase(best);
      kept_bytes_ -= buffer->capacity();
      ++reuses_;
    }
  }
  if (!buffer) buffer = std::make_unique<std::vector<std::uint8_t>>();
  // Within the buffer's old size this only moves the end; beyond it, it
  // fills the new part (fresh memory, touched once).
  buffer->resize(size);
  return std::shared_ptr<std::vector<std::uint8_t>>(
      buffer.release(), [self = shared_from_this()](std::vector<std::uint8_t>* b) { self->give_back(b); });
}

void FrameRecycler::give_back(std::vector<std::uint8_t>* buffer) noexcept {
  std::unique_ptr<std::vector<std::uint8_t>> owned(buffer);
  const std::size_t capacity = owned->capacity();
  if (capacity < kMinRecycled) return;
  std::lock_guard lock(mu_);
  if (kept_.size() >= kKeptBuffers || kept_bytes_ + capacity > kKeptBytes) return;  // freed as `owned` goes
  kept_bytes_ += capacity;
  kept_.push_back(std::move(owned));
}

std::size_t FrameRecycler::kept_buffers() const {
  std::lock_guard lock(mu_);
  return kept_.size();
}

std::size_t FrameRecycler::kept_bytes() const {
  std::lock_guard lock(mu_);
  return kept_bytes_;
}

std::size_t FrameRecycler::reuses() const {
  std::lock_guard lock(mu_);
  return reuses_;
}

}  // namespace kwire::net
