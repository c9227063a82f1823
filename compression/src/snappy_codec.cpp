// snappy via libsnappy. Java's client writes the xerial framing (a magic
// header, then blocks of at most 32 KiB each prefixed by a big-endian length),
// so that is what we write; we read both that and raw snappy.
#include <snappy-c.h>

#include <algorithm>
#include <cstring>

#include "codecs.hpp"
#include "compress_scratch.hpp"
#include "kwire/compression/compression_error.hpp"

namespace kwire::compression::detail {
namespace {
constexpr std::uint8_t kXerialMagic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
constexpr std::size_t kXerialHeaderSize = 16;  // magic, version, compatible version
constexpr std::size_t kXerialBlockSize = 32 * 1024;

void put_be32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}
std::uint32_t get_be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

bool is_xerial(Bytes in) {
  return in.size() >= kXerialHeaderSize && std::memcmp(in.data(), kXerialMagic, sizeof kXerialMagic) == 0;
}

// One raw snappy block appended to out, within the remaining budget.
std::error_code raw_block(Bytes in, std::vector<std::uint8_t>& out, std::size_t& budget) {
  std::size_t n = 0;
  auto src = reinterpret_cast<const char*>(in.data());
  if (snappy_uncompressed_length(src, in.size(), &n) != SNAPPY_OK) return compression_errc::corrupt_input;
  if (n > budget) return compression_errc::output_limit_exceeded;
  std::size_t base = out.size();
  out.resize(base + n);
  std::size_t got = n;
  if (snappy_uncompress(src, in.size(), reinterpret_cast<char*>(out.data() + base), &got) != SNAPPY_OK || got != n) {
    out.resize(base);
    return compression_errc::corrupt_input;
  }
  budget -= n;
  return {};
}
}  // namespace

std::error_code snappy_xerial_compress(Bytes in, std::vector<std::uint8_t>& out) {
  std::size_t blocks = std::max<std::size_t>(1, (in.size() + kXerialBlockSize - 1) / kXerialBlockSize);
  std::size_t cap = kXerialHeaderSize + blocks * (4 + snappy_max_compressed_length(kXerialBlockSize));
  // Into the uninitialised per-thread buffer, then append only what was produced.
  std::uint8_t* p = compress_scratch(cap);
  std::memcpy(p, kXerialMagic, sizeof kXerialMagic);
  put_be32(p + 8, 1);   // format version
  put_be32(p + 12, 1);  // minimum compatible version
  std::size_t at = kXerialHeaderSize;
  for (std::size_t off = 0; off < in.size(); off += kXerialBlockSize) {
    std::size_t len = std::min(kXerialBlockSize, in.size() - off);
    std::size_t clen = cap - at - 4;
    if (snappy_compress(reinterpret_cast<const char*>(in.data() + off), len, reinterpret_cast<char*>(p + at + 4),
                        &clen) != SNAPPY_OK)
      return compression_errc::codec_failure;
    put_be32(p + at, static_cast<std::uint32_t>(clen));
    at += 4 + clen;
  }
  out.insert(out.end(), p, p + at);
  return {};
}

std::error_code snappy_any_decompress(Bytes in, std::vector<std::uint8_t>& out, std::size_t max_out) {
  std::size_t base = out.size();
  std::size_t budget = max_out;
  std::error_code ec;
  if (!is_xerial(in)) {
    ec = raw_block(in, out, budget);
  } else {
    std::size_t at = kXerialHeaderSize;
    while (!ec && at < in.size()) {
      if (in.size() - at < 4) { ec = compression_errc::truncated_input; break; }
      std::uint32_t len = get_be32(in.data() + at);
      at += 4;
      if (len > in.size() - at) { ec = compression_errc::truncated_input; break; }
      ec = raw_block(in.subspan(at, len), out, budget);
      at += len;
    }
  }
  if (ec) out.resize(base);
  return ec;
}

}  // namespace kwire::compression::detail
