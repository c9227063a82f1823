// zstd via libzstd: one frame out; any number of frames in, streamed into a
// bounded buffer. Contexts are kept per thread to avoid re-allocating them for
// every batch.
#include <zstd.h>
#include <zstd_errors.h>

#include <memory>

#include "bounded_output.hpp"
#include "codecs.hpp"
#include "compress_scratch.hpp"
#include "kwire/compression/compression_error.hpp"

namespace kwire::compression::detail {
namespace {
constexpr int kDefaultZstdLevel = 3;

struct CCtxFree { void operator()(ZSTD_CCtx* c) const noexcept { ZSTD_freeCCtx(c); } };
struct DCtxFree { void operator()(ZSTD_DCtx* d) const noexcept { ZSTD_freeDCtx(d); } };

ZSTD_CCtx* zstd_thread_cctx() {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxFree> ctx(ZSTD_createCCtx());
  return ctx.get();
}
ZSTD_DCtx* zstd_thread_dctx() {
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxFree> ctx(ZSTD_createDCtx());
  return ctx.get();
}
}  // namespace

std::error_code zstd_compress(int level, Bytes in, std::vector<std::uint8_t>& out) {
  ZSTD_CCtx* cctx = zstd_thread_cctx();
  if (!cctx) return compression_errc::codec_failure;
  // Into the uninitialised per-thread buffer, then append only what was produced.
  std::size_t cap = ZSTD_compressBound(in.size());
  std::uint8_t* dst = compress_scratch(cap);
  std::size_t n = ZSTD_compressCCtx(cctx, dst, cap, in.data(), in.size(),
                                    level == default_level ? kDefaultZstdLevel : level);
  if (ZSTD_isError(n)) return compression_errc::codec_failure;
  out.insert(out.end(), dst, dst + n);
  return {};
}

std::error_code zstd_decompress(Bytes in, std::vector<std::uint8_t>& out, std::size_t max_out) {
  ZSTD_DCtx* dctx = zstd_thread_dctx();
  if (!dctx) return compression_errc::codec_failure;
  ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);
  BoundedOutput sink(out, max_out, in.size() * 4);
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  std::size_t last = 1;  // 0 once a frame is complete
  if (in.empty()) return compression_errc::truncated_input;
  for (;;) {
    auto win = sink.window();
    std::uint8_t probe = 0;
    bool probing = win.empty();
    ZSTD_outBuffer output{probing ? &probe : win.data(), probing ? 1 : win.size(), 0};
    last = ZSTD_decompressStream(dctx, &output, &input);
    if (ZSTD_isError(last)) {
      return ZSTD_getErrorCode(last) == ZSTD_error_checksum_wrong ? compression_errc::checksum_mismatch
                                                                  : compression_errc::corrupt_input;
    }
    if (probing && output.pos > 0) return compression_errc::output_limit_exceeded;
    sink.commit(output.pos);
    bool input_done = input.pos == input.size;
    if (input_done && last == 0) return {};
    // Out of input but the frame wants more, and we had room to give it: truncated.
    if (input_done && output.pos < output.size) return compression_errc::truncated_input;
  }
}

}  // namespace kwire::compression::detail
