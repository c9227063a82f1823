// CRC-32C (Castagnoli), the checksum of record batches (magic 2). The
// implementation is chosen once at run time: on x86-64 with PCLMUL three
// interleaved SSE4.2 crc32 chains combined by carry-less multiplication
// (about three times the speed of one chain), SSE4.2 alone otherwise; the ARMv8
// CRC instructions on AArch64; else a portable slicing-by-8 table. Thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "kwire/protocol/wire/bytes.hpp"

namespace kwire::protocol::records {

// CRC-32C of data. To checksum in pieces, pass the previous result as init:
// crc32c(b, crc32c(a)) == crc32c(a followed by b).
std::uint32_t crc32c(Bytes data, std::uint32_t init = 0) noexcept;

// The portable path, always available (tests compare it with the fast one).
std::uint32_t crc32c_portable(Bytes data, std::uint32_t init = 0) noexcept;

// "sse4.2+pclmul", "sse4.2", "armv8-crc" or "portable": what crc32c() uses here.
std::string_view crc32c_implementation() noexcept;

}  // namespace kwire::protocol::records
