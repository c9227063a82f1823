// LZ4 frame format (what Kafka means by "lz4"). Compression goes through
// liblz4's frame API with 64 KiB independent blocks, like Java's client.
// Decompression parses the frame here, so that output is bounded block by
// block and so that the header checksum old Kafka computed wrongly (over the
// magic number as well, in magic 0/1 message sets) can be tolerated.
#include <lz4.h>
#include <lz4frame.h>

#include <algorithm>
#include <memory>

#include "bounded_output.hpp"
#include "codecs.hpp"
#include "compress_scratch.hpp"
#include "kwire/compression/compression_error.hpp"
#include "xxhash32.hpp"

namespace kwire::compression::detail {
namespace {
constexpr std::uint32_t kFrameMagic = 0x184D2204;
constexpr std::uint32_t kSkippableMagicMask = 0xFFFFFFF0;
constexpr std::uint32_t kSkippableMagic = 0x184D2A50;
// Java's client compresses with the fast (non-HC) LZ4 compressor when the
// level is its default, 9, and with LZ4 HC at that level otherwise.
constexpr int kJavaDefaultLz4Level = 9;
constexpr int kFastLz4 = 0;  // LZ4F: levels below 3 use the fast compressor
constexpr std::size_t kDictSize = 64 * 1024;  // back-reference window for dependent blocks

std::uint32_t le32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[3]} << 24);
}

struct FrameDescriptor {
  bool independent_blocks = true;
  bool block_checksum = false;
  bool content_checksum = false;
  std::size_t block_max = 0;
};

// Parses the frame header at in[at..]; advances at past it.
std::error_code read_header(Bytes in, std::size_t& at, bool legacy, FrameDescriptor& fd) {
  std::size_t start = at;  // the magic number
  if (in.size() - at < 7) return compression_errc::truncated_input;
  at += 4;
  std::uint8_t flg = in[at];
  std::uint8_t bd = in[at + 1];
  if ((flg >> 6) != 1 || (flg & 0x02) || (bd & 0x8F)) return compression_errc::corrupt_input;
  int size_id = (bd >> 4) & 0x7;
  if (size_id < 4) return compression_errc::corrupt_input;
  fd.block_max = std::size_t{1} << (8 + 2 * size_id);
  fd.independent_blocks = flg & 0x20;
  fd.block_checksum = flg & 0x10;
  fd.content_checksum = flg & 0x04;
  std::size_t desc_len = 2 + ((flg & 0x08) ? 8 : 0) + ((flg & 0x01) ? 4 : 0);
  if (in.size() - at < desc_len + 1) return compression_errc::truncated_input;
  std::uint8_t hc = in[at + desc_len];
  auto expect = static_cast<std::uint8_t>(xxh32(in.data() + at, desc_len, 0) >> 8);
  bool ok = hc == expect;
  if (!ok && legacy) ok = hc == static_cast<std::uint8_t>(xxh32(in.data() + start, at - start + desc_len, 0) >> 8);
  if (!ok) return compression_errc::checksum_mismatch;
  if (flg & 0x01) return compression_errc::corrupt_input;  // dictionaries are never used by Kafka
  at += desc_len + 1;
  return {};
}

std::error_code read_frame(Bytes in, std::size_t& at, bool legacy, BoundedOutput& sink, std::size_t max_out) {
  FrameDescriptor fd;
  if (auto ec = read_header(in, at, legacy, fd)) return ec;
  std::size_t frame_start = sink.produced();
  for (;;) {
    if (in.size() - at < 4) return compression_errc::truncated_input;
    std::uint32_t word = le32(in.data() + at);
    at += 4;
    if (word == 0) break;  // end mark
    bool stored = word & 0x80000000u;
    std::size_t len = word & 0x7FFFFFFFu;
    if (len > fd.block_max) return compression_errc::corrupt_input;
    if (in.size() - at < len + (fd.block_checksum ? 4 : 0)) return compression_errc::truncated_input;
    const std::uint8_t* src = in.data() + at;
    if (fd.block_checksum && xxh32(src, len, 0) != le32(src + len)) return compression_errc::checksum_mismatch;
    std::size_t room = max_out - sink.produced();
    if (stored) {
      if (len > room) return compression_errc::output_limit_exceeded;
      auto win = sink.reserve(len);
      std::copy(src, src + len, win.data());
      sink.commit(len);
    } else {
      std::size_t cap = std::min(fd.block_max, room);
      auto win = sink.reserve(cap);
      char* dst = reinterpret_cast<char*>(win.data());
      int n;
      std::size_t dict = std::min(kDictSize, sink.produced() - frame_start);
      if (fd.independent_blocks || dict == 0) {
        n = LZ4_decompress_safe(reinterpret_cast<const char*>(src), dst, static_cast<int>(len),
                                static_cast<int>(std::min(cap, win.size())));
      } else {
        n = LZ4_decompress_safe_usingDict(reinterpret_cast<const char*>(src), dst, static_cast<int>(len),
                                          static_cast<int>(std::min(cap, win.size())), dst - dict,
                                          static_cast<int>(dict));
      }
      if (n < 0) return room < fd.block_max ? compression_errc::output_limit_exceeded : compression_errc::corrupt_input;
      sink.commit(static_cast<std::size_t>(n));
    }
    at += len + (fd.block_checksum ? 4 : 0);
  }
  if (fd.content_checksum) {
    if (in.size() - at < 4) return compression_errc::truncated_input;
    std::uint32_t want = le32(in.data() + at);
    at += 4;
    if (xxh32(sink.begin() + frame_start, sink.produced() - frame_start, 0) != want)
      return compression_errc::checksum_mismatch;
  }
  return {};
}
}  // namespace

namespace {
struct CctxFree {
  void operator()(LZ4F_cctx* c) const noexcept { LZ4F_freeCompressionContext(c); }
};
// One compression context per thread: the HC state is large to allocate per batch.
LZ4F_cctx* lz4_thread_cctx() {
  thread_local std::unique_ptr<LZ4F_cctx, CctxFree> ctx([] {
    LZ4F_cctx* c = nullptr;
    return LZ4F_isError(LZ4F_createCompressionContext(&c, LZ4F_VERSION)) ? nullptr : c;
  }());
  return ctx.get();
}
}  // namespace

std::error_code lz4_compress(int level, Bytes in, std::vector<std::uint8_t>& out) {
  LZ4F_cctx* cctx = lz4_thread_cctx();
  if (!cctx) return compression_errc::codec_failure;
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;
  prefs.frameInfo.contentChecksumFlag = LZ4F_noContentChecksum;
  prefs.compressionLevel = (level == default_level || level == kJavaDefaultLz4Level) ? kFastLz4 : level;
  // autoFlush: every block is compressed as soon as its input is given, so
  // LZ4F needs no staging buffer (without it, it callocs and zeroes 64 KiB in
  // compressBegin and copies the last partial block into it). The whole input
  // is given in one update, so the frame is the same: blocks cut every 64 KiB.
  prefs.autoFlush = 1;
  std::size_t cap = LZ4F_HEADER_SIZE_MAX + LZ4F_compressBound(in.size(), &prefs);
  std::uint8_t* dst = compress_scratch(cap);
  std::size_t at = LZ4F_compressBegin(cctx, dst, cap, &prefs);
  if (!LZ4F_isError(at)) {
    std::size_t n = LZ4F_compressUpdate(cctx, dst + at, cap - at, in.data(), in.size(), nullptr);
    at = LZ4F_isError(n) ? n : at + n;
  }
  if (!LZ4F_isError(at)) {
    std::size_t n = LZ4F_compressEnd(cctx, dst + at, cap - at, nullptr);
    at = LZ4F_isError(n) ? n : at + n;
  }
  if (LZ4F_isError(at)) return compression_errc::codec_failure;
  out.insert(out.end(), dst, dst + at);
  return {};
}

std::error_code lz4_decompress(Bytes in, std::vector<std::uint8_t>& out, std::size_t max_out, bool legacy) {
  std::size_t base = out.size();
  std::error_code ec;
  {
    BoundedOutput sink(out, max_out, in.size() * 4);
    std::size_t at = 0;
    if (in.empty()) ec = compression_errc::truncated_input;
    while (!ec && at < in.size()) {
      if (in.size() - at < 4) { ec = compression_errc::truncated_input; break; }
      std::uint32_t magic = le32(in.data() + at);
      if ((magic & kSkippableMagicMask) == kSkippableMagic) {
        if (in.size() - at < 8) { ec = compression_errc::truncated_input; break; }
        std::size_t skip = le32(in.data() + at + 4);
        if (skip > in.size() - at - 8) { ec = compression_errc::truncated_input; break; }
        at += 8 + skip;
        continue;
      }
      if (magic != kFrameMagic) { ec = compression_errc::corrupt_input; break; }
      ec = read_frame(in, at, legacy, sink, max_out);
    }
  }
  if (ec) out.resize(base);
  return ec;
}

}  // namespace kwire::compression::detail
