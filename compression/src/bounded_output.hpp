// Output window for streaming decoders that never grows the caller's vector
// past its cap: the decoder writes into window(), reports what it wrote with
// commit(), and a full window at the cap means "stop, the data is too large".
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

namespace kwire::compression::detail {

class BoundedOutput {
 public:
  BoundedOutput(std::vector<std::uint8_t>& out, std::size_t max_out, std::size_t size_hint)
      : out_(out), base_(out.size()), max_(max_out), hint_(size_hint) {}
  ~BoundedOutput() { out_.resize(base_ + produced_); }
  BoundedOutput(const BoundedOutput&) = delete;
  BoundedOutput& operator=(const BoundedOutput&) = delete;

  // Free space to decode into; empty only when the cap has been reached.
  std::span<std::uint8_t> window() { return reserve(1); }
  // Free space of at least min(n, cap - produced) bytes.
  std::span<std::uint8_t> reserve(std::size_t n) {
    std::size_t free = out_.size() - base_ - produced_;
    n = std::min(n, max_ - produced_);
    if (free < n) {
      std::size_t want = std::max({produced_, hint_, n, std::size_t{64 * 1024}});
      std::size_t total = std::min(produced_ + want, max_);
      out_.resize(base_ + total);
    }
    return {out_.data() + base_ + produced_, out_.size() - base_ - produced_};
  }
  void commit(std::size_t n) noexcept { produced_ += n; }
  std::size_t produced() const noexcept { return produced_; }
  bool at_cap() const noexcept { return produced_ == max_; }
  // Everything written so far (for checksums and LZ4 back-references).
  std::uint8_t* begin() noexcept { return out_.data() + base_; }

 private:
  std::vector<std::uint8_t>& out_;
  std::size_t base_;
  std::size_t max_;
  std::size_t hint_;
  std::size_t produced_ = 0;
};

}  // namespace kwire::compression::detail
