// What a caller hands to the producer (Record) and what it gets back in the
// delivery report (RecordMetadata). Records are views: send() encodes the
// key, value and headers into a batch before it returns, so a copied value
// (the default) may be freed as soon as send() returns. A borrowed value is
// promised to stay alive until its delivery report, which hands the view
// back (RecordMetadata::borrowed_value) so the caller can release it there.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "kwire/protocol/records/record.hpp"
#include "kwire/protocol/wire/bytes.hpp"

namespace kwire {

using Bytes = protocol::Bytes;
using protocol::as_bytes;

// { std::string_view key; std::optional<Bytes> value; } (nullopt = null value),
// the records layer's own type, so headers reach the encoder without a copy.
using Header = protocol::records::Header;

enum class ValueOwnership : std::uint8_t {
  copy,    // the producer never looks at the caller's memory after send() returns
  borrow,  // the caller keeps key/value alive until the delivery report
};

// What a send does when the producer's buffer is full.
enum class QueueFullAction : std::uint8_t {
  producer_default,  // block (up to max.block.ms), or fail in manual-poll mode
  block,             // wait up to max.block.ms for a report to free room
  fail_at_once,      // errc::queue_full without waiting
};

struct Record {
  std::string_view topic{};
  std::optional<std::int32_t> partition{};     // explicit partition wins over any partitioner
  std::optional<Bytes> key{};                  // nullopt = null key (sticky partitioning)
  std::optional<Bytes> value{};                // nullopt = null value (tombstone)
  std::span<const Header> headers{};
  std::optional<std::int64_t> timestamp_ms{};  // nullopt = now (CreateTime)
  std::uint64_t user_id = 0;                 // returned in RecordMetadata::user_id
  ValueOwnership ownership = ValueOwnership::copy;
  // When buffer.memory or queue.buffering.max.messages is used up:
  // modern-cpp-kafka's Block / NoBlock for this one send.
  QueueFullAction when_full = QueueFullAction::producer_default;
};

enum class TimestampType : std::uint8_t { create_time, log_append_time };

// What a delivery report says of the record's write. A report without an
// error is `delivered`; a failed report says whether the record may be in
// the log (README, "Delivery guarantees").
enum class DeliveryOutcome : std::uint8_t {
  delivered,         // a broker acknowledged it (or answered its retry as a duplicate)
  not_sent,          // it never left the client: not in the log
  possibly_written,  // sent, and how it ended is unknown (no answer, expiry or close while
                     // unresolved): in the log at most once
  rejected,          // the broker refused every attempt before appending it: not in the log
};

struct RecordMetadata {
  std::string topic{};
  std::int32_t partition = -1;
  std::int64_t offset = -1;        // -1 when unknown (acks=0, or on error)
  std::int64_t timestamp_ms = -1;  // CreateTime the record carried, or the broker's LogAppendTime
  TimestampType timestamp_type = TimestampType::create_time;
  std::uint64_t user_id = 0;
  std::optional<Bytes> borrowed_value{};  // set for ValueOwnership::borrow: release it now
  DeliveryOutcome outcome = DeliveryOutcome::delivered;  // of a failed report: may it be in the log?
};

}  // namespace kwire
