// Delivery-latency histogram for `kwire perf produce`: log-linear buckets in
// microseconds (exact below 128 us, then 64 buckets per power of two, so a
// percentile is within ~1.6 %). Fixed size, no allocation per sample. Not
// thread-safe: PerfStats guards it.
#pragma once

#include <array>
#include <cstdint>

namespace kwire::tool {

class LatencyHistogram {
 public:
  void record(std::uint64_t micros) noexcept;
  std::uint64_t count() const noexcept { return count_; }
  std::uint64_t max() const noexcept { return max_; }
  // The value at quantile q in [0, 1], in microseconds; 0 when empty.
  std::uint64_t quantile(double q) const noexcept;

 private:
  static constexpr int kExact = 128;
  static constexpr int kSubBits = 6;
  static constexpr int kMaxExponent = 48;
  static constexpr int kBuckets = kExact + (kMaxExponent - 7 + 1) * (1 << kSubBits);
  static int index_of(std::uint64_t v) noexcept;
  static std::uint64_t value_of(int index) noexcept;

  std::array<std::uint64_t, kBuckets> buckets_{};
  std::uint64_t count_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace kwire::tool
