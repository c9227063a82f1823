// Large response buffers, kept for the connection's next large frame.
//
// A Fetch answer can be tens of MiB. glibc serves allocations that large
// with mmap and returns them with munmap on free, so every such answer used
// to be fresh memory: zero-filled and page-faulted once per 4 KiB (issue 13:
// a 1 KiB-record consumer took 4-6 times librdkafka's page faults, about a
// fifth of its CPU). A recycled buffer has its pages already: the socket reads
// into it, and resizing it to a frame no larger than its last one writes
// nothing (the bytes are overwritten by the read before anyone sees them).
//
// Bounded: at most kKeptBuffers buffers and kKeptBytes bytes wait here; the
// rest are freed. Frames under kMinRecycled bytes are not worth it: the
// frame reader allocates those itself, and one given here is not kept.
//
// Threads: take() on the connection's io thread; a buffer comes back from
// whichever thread drops the frame's last reference (the consumer's poll,
// for instance), under the mutex. Buffers hold the recycler alive.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace kwire::net {

class FrameRecycler : public std::enable_shared_from_this<FrameRecycler> {
 public:
  static constexpr std::size_t kMinRecycled = std::size_t{1} << 20;
  static constexpr std::size_t kKeptBuffers = 2;
  static constexpr std::size_t kKeptBytes = std::size_t{128} << 20;

  static std::shared_ptr<FrameRecycler> create() { return std::shared_ptr<FrameRecycler>(new FrameRecycler()); }

  // A buffer of `size` bytes (contents unspecified); a large one returns here
  // when its last owner lets go.
  std::shared_ptr<std::vector<std::uint8_t>> take(std::size_t size);

  // Buffers waiting for reuse and their capacity, and how many take()s were
  // served by one (for tests and metrics).
  std::size_t kept_buffers() const;
  std::size_t kept_bytes() const;
  std::size_t reuses() const;

 private:
  FrameRecycler() = default;
  void give_back(std::vector<std::uint8_t>* buffer) noexcept;

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<std::vector<std::uint8_t>>> kept_;
  std::size_t kept_bytes_ = 0;
  std::size_t reuses_ = 0;
};

}  // namespace kwire::net
