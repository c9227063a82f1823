// Fuzz target for gzip decompression: arbitrary input must decode or fail
// with an error, never write past the 1 MiB cap, never crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "kwire/compression/codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr std::size_t kCap = 1 << 20;
  std::vector<std::uint8_t> out;
  auto ec = kwire::compression::decompress(kwire::compression::Codec::gzip, {data, size}, out, kCap);
  if (out.size() > kCap) std::abort();
  if (ec && !out.empty()) std::abort();  // a failed call leaves nothing behind

  return 0;
}
