// Per-thread output buffer for one-shot compressors. The codecs need a
// destination of compressBound(input) bytes, but the compressed result is
// usually a fraction of that: growing the caller's std::vector to the bound
// would zero-fill it on every batch (std::vector value-initialises). Instead
// each codec compresses into this uninitialised, reused buffer and appends
// only the bytes produced. Any thread may call; each thread has its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace kwire::compression::detail {

// At least `n` writable bytes, valid until the calling thread's next call.
// The contents are indeterminate (never zero-filled).
inline std::uint8_t* compress_scratch(std::size_t n) {
  // Above this a batch is unusual: do not keep its buffer for the thread's lifetime.
  constexpr std::size_t kKeepAtMost = std::size_t{8} << 20;
  thread_local std::unique_ptr<std::uint8_t[]> buf;
  thread_local std::size_t cap = 0;
  if (cap < n || (cap > kKeepAtMost && n <= kKeepAtMost)) {
    buf.reset();
    cap = 0;
    std::size_t want = n < 64 * 1024 ? 64 * 1024 : n;
    buf = std::make_unique_for_overwrite<std::uint8_t[]>(want);
    cap = want;
  }
  return buf.get();
}

}  // namespace kwire::compression::detail
