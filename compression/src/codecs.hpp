// Per-codec entry points behind codec.hpp's dispatch (internal to this layer).
#pragma once

#include "kwire/compression/codec.hpp"

namespace kwire::compression::detail {

std::error_code gzip_compress(int level, Bytes in, std::vector<std::uint8_t>& out);
std::error_code gzip_decompress(Bytes in, std::vector<std::uint8_t>& out, std::size_t max_out);
std::error_code snappy_xerial_compress(Bytes in, std::vector<std::uint8_t>& out);
std::error_code snappy_any_decompress(Bytes in, std::vector<std::uint8_t>& out, std::size_t max_out);
std::error_code lz4_compress(int level, Bytes in, std::vector<std::uint8_t>& out);
std::error_code lz4_decompress(Bytes in, std::vector<std::uint8_t>& out, std::size_t max_out, bool legacy_header_checksum);
std::error_code zstd_compress(int level, Bytes in, std::vector<std::uint8_t>& out);
std::error_code zstd_decompress(Bytes in, std::vector<std::uint8_t>& out, std::size_t max_out);

}  // namespace kwire::compression::detail
