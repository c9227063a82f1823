// gzip via zlib: Java's GZIPOutputStream output on the way out; gzip (or raw
// zlib) members, one after another, on the way in, bounded.
#include <zlib.h>

#include "bounded_output.hpp"
#include "codecs.hpp"
#include "compress_scratch.hpp"
#include "kwire/compression/compression_error.hpp"

namespace kwire::compression::detail {
namespace {
constexpr int kGzipWindow = 15 + 16;      // write a gzip header and trailer
constexpr int kAutoDetectWindow = 15 + 32;  // accept gzip or zlib headers
}  // namespace

namespace {
// One deflate state per thread, reset between batches: deflateInit2 allocates
// about 256 KiB, too much to repeat for every batch.
class Deflater {
 public:
  ~Deflater() {
    if (ready_) deflateEnd(&zs_);
  }
  z_stream* get(int level) {
    if (ready_ && level == level_) {
      deflateReset(&zs_);
      return &zs_;
    }
    if (ready_) deflateEnd(&zs_);
    zs_ = z_stream{};
    ready_ = deflateInit2(&zs_, level, Z_DEFLATED, kGzipWindow, 8, Z_DEFAULT_STRATEGY) == Z_OK;
    level_ = level;
    return ready_ ? &zs_ : nullptr;
  }

 private:
  z_stream zs_{};
  bool ready_ = false;
  int level_ = 0;
};
}  // namespace

std::error_code gzip_compress(int level, Bytes in, std::vector<std::uint8_t>& out) {
  thread_local Deflater deflater;
  z_stream* zs = deflater.get(level == default_level ? Z_DEFAULT_COMPRESSION : level);
  if (!zs) return compression_errc::codec_failure;
  // deflateBound() covers the zlib wrapper; the gzip one is 12 bytes longer.
  // Into the uninitialised per-thread buffer, then append only what was produced.
  std::size_t cap = deflateBound(zs, static_cast<uLong>(in.size())) + 32;
  std::uint8_t* dst = compress_scratch(cap);
  zs->next_in = const_cast<Bytef*>(in.data());
  zs->avail_in = static_cast<uInt>(in.size());
  zs->next_out = dst;
  zs->avail_out = static_cast<uInt>(cap);
  int ret = deflate(zs, Z_FINISH);
  std::size_t written = zs->total_out;
  if (ret != Z_STREAM_END) return compression_errc::codec_failure;
  out.insert(out.end(), dst, dst + written);
  return {};
}

std::error_code gzip_decompress(Bytes in, std::vector<std::uint8_t>& out, std::size_t max_out) {
  z_stream zs{};
  if (inflateInit2(&zs, kAutoDetectWindow) != Z_OK) return compression_errc::codec_failure;
  BoundedOutput sink(out, max_out, in.size() * 4);
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  std::error_code ec;
  for (;;) {
    auto win = sink.window();
    std::uint8_t probe = 0;
    bool probing = win.empty();
    zs.next_out = probing ? &probe : win.data();
    zs.avail_out = probing ? 1u : static_cast<uInt>(win.size());
    uInt before = zs.avail_out;
    int ret = inflate(&zs, Z_NO_FLUSH);
    std::size_t wrote = before - zs.avail_out;
    if (probing && wrote > 0) { ec = compression_errc::output_limit_exceeded; break; }
    sink.commit(wrote);
    if (ret == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      inflateReset(&zs);  // another gzip member follows
      continue;
    }
    if (ret == Z_NEED_DICT || ret == Z_DATA_ERROR) { ec = compression_errc::corrupt_input; break; }
    if (ret == Z_MEM_ERROR || ret == Z_STREAM_ERROR) { ec = compression_errc::codec_failure; break; }
    // Z_OK or Z_BUF_ERROR: no progress possible without more input means truncation.
    if (zs.avail_in == 0 && zs.avail_out > 0) { ec = compression_errc::truncated_input; break; }
    if (ret == Z_BUF_ERROR && zs.avail_out > 0) { ec = compression_errc::truncated_input; break; }
  }
  inflateEnd(&zs);
  return ec;
}

}  // namespace kwire::compression::detail
