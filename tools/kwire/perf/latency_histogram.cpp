// Log-linear latency histogram (see latency_histogram.hpp).
#include "perf/latency_histogram.hpp"

#include <bit>
#include <cmath>

namespace kwire::tool {

int LatencyHistogram::index_of(std::uint64_t v) noexcept {
  if (v < kExact) return static_cast<int>(v);
  int e = std::bit_width(v) - 1;  // v in [2^e, 2^(e+1)), e >= 7
  if (e > kMaxExponent) return kBuckets - 1;
  int sub = static_cast<int>((v >> (e - kSubBits)) & ((1u << kSubBits) - 1));
  return kExact + (e - 7) * (1 << kSubBits) + sub;
}

std::uint64_t LatencyHistogram::value_of(int index) noexcept {
  if (index < kExact) return static_cast<std::uint64_t>(index);
  int rel = index - kExact;
  int e = rel / (1 << kSubBits) + 7;
  std::uint64_t sub = static_cast<std::uint64_t>(rel % (1 << kSubBits));
  std::uint64_t width = std::uint64_t{1} << (e - kSubBits);
  // Middle of the bucket: the error is at most half a bucket either way.
  return (std::uint64_t{1} << e) + sub * width + width / 2;
}

void LatencyHistogram::record(std::uint64_t micros) noexcept {
  ++buckets_[static_cast<std::size_t>(index_of(micros))];
  ++count_;
  if (micros > max_) max_ = micros;
}

std::uint64_t LatencyHistogram::quantile(double q) const noexcept {
  if (count_ == 0) return 0;
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
  if (rank == 0) rank = 1;
  std::uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += buckets_[static_cast<std::size_t>(i)];
    if (seen >= rank) {
      auto v = value_of(i);
      return v > max_ ? max_ : v;
    }
  }
  return max_;
}

}  // namespace kwire::tool
