// Codec names, level ranges and the dispatch from Codec to the codec files.
#include "kwire/compression/codec.hpp"

#include <zstd.h>

#include "codecs.hpp"
#include "kwire/compression/compression_error.hpp"

namespace kwire::compression {

std::optional<Codec> parse_codec(std::string_view name) noexcept {
  for (Codec c : {Codec::none, Codec::gzip, Codec::snappy, Codec::lz4, Codec::zstd})
    if (codec_name(c) == name) return c;
  return std::nullopt;
}

std::string_view codec_name(Codec codec) noexcept {
  switch (codec) {
    case Codec::none: return "none";
    case Codec::gzip: return "gzip";
    case Codec::snappy: return "snappy";
    case Codec::lz4: return "lz4";
    case Codec::zstd: return "zstd";
  }
  return "unknown";
}

std::optional<Codec> codec_from_attributes(std::int16_t attributes) noexcept {
  int id = attributes & 0x07;
  if (id > 4) return std::nullopt;
  return static_cast<Codec>(id);
}

bool level_valid(Codec codec, int level) noexcept {
  if (level == default_level) return true;
  switch (codec) {
    case Codec::none:
    case Codec::snappy: return true;
    case Codec::gzip: return level >= -1 && level <= 9;
    case Codec::lz4: return level >= 1 && level <= 17;
    case Codec::zstd: return level >= ZSTD_minCLevel() && level <= 22;
  }
  return false;
}

std::error_code compress(Codec codec, int level, Bytes in, std::vector<std::uint8_t>& out) {
  if (!level_valid(codec, level)) return compression_errc::invalid_level;
  switch (codec) {
    case Codec::none: out.insert(out.end(), in.begin(), in.end()); return {};
    case Codec::gzip: return detail::gzip_compress(level, in, out);
    case Codec::snappy: return detail::snappy_xerial_compress(in, out);
    case Codec::lz4: return detail::lz4_compress(level, in, out);
    case Codec::zstd: return detail::zstd_compress(level, in, out);
  }
  return compression_errc::unsupported_codec;
}

namespace {
std::error_code decompress_appending(Codec codec, Bytes in, std::vector<std::uint8_t>& out, std::size_t max_out) {
  switch (codec) {
    case Codec::none:
      if (in.size() > max_out) return compression_errc::output_limit_exceeded;
      out.insert(out.end(), in.begin(), in.end());
      return {};
    case Codec::gzip: return detail::gzip_decompress(in, out, max_out);
    case Codec::snappy: return detail::snappy_any_decompress(in, out, max_out);
    case Codec::lz4: return detail::lz4_decompress(in, out, max_out, false);
    case Codec::zstd: return detail::zstd_decompress(in, out, max_out);
  }
  return compression_errc::unsupported_codec;
}
}  // namespace

std::error_code decompress(Codec codec, Bytes in, std::vector<std::uint8_t>& out, std::size_t max_out) {
  std::size_t base = out.size();
  auto ec = decompress_appending(codec, in, out, max_out);
  if (ec) out.resize(base);  // a failed call leaves the caller's bytes as they were
  return ec;
}

std::error_code decompress_lz4_legacy(Bytes in, std::vector<std::uint8_t>& out, std::size_t max_out) {
  return detail::lz4_decompress(in, out, max_out, true);
}

}  // namespace kwire::compression
