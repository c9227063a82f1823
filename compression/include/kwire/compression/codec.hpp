// The compression codecs Kafka uses (the attribute bits 0-2 of a record batch),
// with bounded decompression: output is capped, so a compression bomb is an
// error rather than an out-of-memory. Every function is thread-safe (per-call
// or per-thread state only).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>
#include <vector>

namespace kwire::compression {

// Same type as kwire::protocol::Bytes; this layer sits below protocol.
using Bytes = std::span<const std::uint8_t>;

enum class Codec : std::uint8_t { none = 0, gzip = 1, snappy = 2, lz4 = 3, zstd = 4 };

// Each codec's own default, as Java's: gzip zlib's default (6), lz4 9 (which
// Java, and so kwire, maps to the fast non-HC compressor), zstd 3.
inline constexpr int default_level = std::numeric_limits<int>::min();

// "none", "gzip", "snappy", "lz4", "zstd" (Java's compression.type names).
std::optional<Codec> parse_codec(std::string_view name) noexcept;
std::string_view codec_name(Codec codec) noexcept;
// Codec from a batch's attribute bits 0-2; nullopt for 5-7.
std::optional<Codec> codec_from_attributes(std::int16_t attributes) noexcept;

// Valid compression.level range per codec (Java's): gzip -1..9, lz4 1..17,
// zstd ZSTD_minCLevel()..22; none and snappy take any level.
bool level_valid(Codec codec, int level) noexcept;

// Appends the compressed form of `in` to `out`. Writes what the Java client
// writes: a gzip member, xerial-framed snappy, an LZ4 frame with 64 KiB
// independent blocks, a zstd frame. Codec::none appends `in` unchanged.
std::error_code compress(Codec codec, int level, Bytes in, std::vector<std::uint8_t>& out);

// Appends the decompressed form of `in` to `out`, never appending more than
// max_out bytes (errc output_limit_exceeded if the data holds more). Snappy
// accepts both raw and xerial-framed input. On error `out` keeps its old size.
std::error_code decompress(Codec codec, Bytes in, std::vector<std::uint8_t>& out, std::size_t max_out);

// LZ4 as found in legacy (magic 0/1) message sets: also accepts the frame
// header checksum that old Kafka computed wrongly (over the magic number too).
std::error_code decompress_lz4_legacy(Bytes in, std::vector<std::uint8_t>& out, std::size_t max_out);

}  // namespace kwire::compression
