// Layout of a record batch (magic 2) header, and in-place edits of a finished
// batch that only rewrite header fields and the CRC (no re-compression).
//
//   0 base offset i64 | 8 batch length i32 | 12 partition leader epoch i32 |
//  16 magic i8 | 17 crc u32 (CRC-32C of bytes 21..end) | 21 attributes i16 |
//  23 last offset delta i32 | 27 base timestamp i64 | 35 max timestamp i64 |
//  43 producer id i64 | 51 producer epoch i16 | 53 base sequence i32 |
//  57 record count i32 | 61 records...
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <optional>

#include "kwire/protocol/wire/bytes.hpp"

namespace kwire::protocol::records {

namespace batch_offsets {
inline constexpr std::size_t base_offset = 0;
inline constexpr std::size_t batch_length = 8;
inline constexpr std::size_t partition_leader_epoch = 12;
inline constexpr std::size_t magic = 16;
inline constexpr std::size_t crc = 17;
inline constexpr std::size_t attributes = 21;
inline constexpr std::size_t last_offset_delta = 23;
inline constexpr std::size_t base_timestamp = 27;
inline constexpr std::size_t max_timestamp = 35;
inline constexpr std::size_t producer_id = 43;
inline constexpr std::size_t producer_epoch = 51;
inline constexpr std::size_t base_sequence = 53;
inline constexpr std::size_t record_count = 57;
inline constexpr std::size_t records = 61;
}  // namespace batch_offsets

inline constexpr std::size_t batch_header_size = batch_offsets::records;
// Bytes before the batch length field counts from (base offset + length).
inline constexpr std::size_t batch_log_overhead = 12;

namespace batch_attributes {
inline constexpr std::int16_t codec_mask = 0x07;
inline constexpr std::int16_t log_append_time = 0x08;
inline constexpr std::int16_t transactional = 0x10;
inline constexpr std::int16_t control = 0x20;
}  // namespace batch_attributes

enum class TimestampType : std::int8_t { create_time = 0, log_append_time = 1 };

inline constexpr std::int64_t no_producer_id = -1;
inline constexpr std::int16_t no_producer_epoch = -1;
inline constexpr std::int32_t no_sequence = -1;
inline constexpr std::int32_t no_partition_leader_epoch = -1;

// Rewrites producer id, epoch, base sequence and the transactional bit of a
// finished batch and recomputes its CRC. For re-sequencing after an epoch
// bump (KIP-360). The batch must be a complete magic-2 batch (false if not).
bool set_producer_state(std::span<std::uint8_t> batch, std::int64_t producer_id, std::int16_t epoch,
                        std::int32_t base_sequence, bool transactional) noexcept;

// Rewrites the partition leader epoch. It lies outside the CRC'd range, so
// nothing else changes. False if the span is shorter than a batch header.
bool set_partition_leader_epoch(std::span<std::uint8_t> batch, std::int32_t epoch) noexcept;

// Rewrites the base offset (also outside the CRC'd range): a broker or a
// test server assigning offsets. False if the span is too short.
bool set_base_offset(std::span<std::uint8_t> batch, std::int64_t base_offset) noexcept;

// Recomputes and stores the CRC over bytes 21..end.
void update_crc(std::span<std::uint8_t> batch) noexcept;

}  // namespace kwire::protocol::records
