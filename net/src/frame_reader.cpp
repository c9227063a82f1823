// ResponseFrameReader and parse_response_header (see frame_reader.hpp).
#include "kwire/net/frame_reader.hpp"

#include <algorithm>

#include "kwire/protocol/wire/reader.hpp"

namespace kwire::net {

std::span<std::uint8_t> ResponseFrameReader::next_buffer() noexcept {
  if (broken_) return {};
  if (prefix_filled_ < sizeof prefix_) return std::span<std::uint8_t>(prefix_).subspan(prefix_filled_);
  return std::span<std::uint8_t>(*frame_).subspan(filled_);
}

ResponseFrameReader::Status ResponseFrameReader::commit(std::size_t n) {
  if (broken_) return Status::too_large;
  if (prefix_filled_ < sizeof prefix_) {
    prefix_filled_ += std::min(n, sizeof prefix_ - prefix_filled_);
    if (prefix_filled_ < sizeof prefix_) return Status::need_more;
    announced_ = (std::uint32_t{prefix_[0]} << 24) | (std::uint32_t{prefix_[1]} << 16) |
                 (std::uint32_t{prefix_[2]} << 8) | std::uint32_t{prefix_[3]};
    allocations_ = 0;
    if (announced_ > max_) {
      broken_ = true;
      return Status::too_large;
    }
    if (announced_ < 4) {
      broken_ = true;
      return Status::too_small;
    }
    filled_ = 0;
    // Up to the up-front bound the announced size is allocated at once
    // (announced_ <= max_ was checked above); a larger announcement gets the
    // bound for now.
    const std::size_t upfront = std::max(upfront_, std::min(expected_, max_));
    const std::size_t size = std::min<std::size_t>(announced_, upfront);
    frame_ = size < FrameRecycler::kMinRecycled ? std::make_shared<std::vector<std::uint8_t>>(size)
                                                : recycler_->take(size);
    allocations_ = 1;
    return Status::need_more;
  }
  filled_ += std::min(n, frame_->size() - filled_);
  if (filled_ == announced_) return Status::frame_ready;
  if (filled_ == frame_->size()) {
    // Only frames above upfront_ get here: the buffer is full and more was
    // announced, so grow by what has arrived.
    frame_->resize(std::min<std::size_t>(announced_, frame_->size() * 2));
    ++allocations_;
  }
  return Status::need_more;
}

std::shared_ptr<std::vector<std::uint8_t>> ResponseFrameReader::take_frame() noexcept {
  if (broken_ || prefix_filled_ < sizeof prefix_ || filled_ != announced_) return nullptr;
  prefix_filled_ = 0;
  filled_ = 0;
  return std::move(frame_);
}

std::optional<ResponseHeader> parse_response_header(protocol::Bytes frame, bool flexible_header) {
  protocol::Reader r(frame);
  ResponseHeader header;
  header.correlation_id = r.i32();
  if (flexible_header) r.skip_tagged_fields();
  if (!r.ok()) return std::nullopt;
  header.body_offset = r.position();
  return header;
}

}  // namespace kwire::net
