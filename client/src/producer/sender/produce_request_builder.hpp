// Builds one ProduceRequest from the batches the accumulator drained for one
// broker (at most one batch per partition, already closed and stamped with
// their producer state), grouping partitions under their topic in drain
// order. The request holds views of the batches' bytes: the batches must
// outlive the send.
//
// Zero-copy values: a batch with borrowed values spliced in (ProducerBatch::
// references()) is not one contiguous span, so it cannot be the generated
// request's `records` field as is. OutgoingProduceRequest keeps the generated
// body with a stand-in span for such a batch (its own buffer's address and
// its full wire length, never read) and encode() replaces that span by the
// batch's segments with Writer::append_ref, so own bytes and borrowed values
// reach the socket in one gather write without a copy. It has the traits
// ConnectionPool::send<Resp>() needs (api_key, versions, validate, encode).
// io thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kwire/protocol/messages/produce_request.hpp"
#include "kwire/protocol/wire/writer.hpp"

namespace kwire::detail {

class ProducerBatch;

struct ProduceRequestOptions {
  std::int16_t acks = -1;
  std::int32_t timeout_ms = 30000;
  std::optional<std::string> transactional_id;
};

class OutgoingProduceRequest {
 public:
  using Body = protocol::messages::ProduceRequest;
  static constexpr std::int16_t api_key = Body::api_key;
  // Produce v0-v2 carry message sets v0/v1; kwire writes record batches v2,
  // which a broker reads only from Produce v3. A broker knowing no more than
  // v2 gets no Produce at all (no_common_version), never a batch it would
  // misread as an old message set.
  static constexpr std::int16_t min_version = 3;
  static_assert(min_version >= Body::min_version && min_version <= Body::max_version);
  static constexpr std::int16_t max_version = Body::max_version;
  static constexpr std::int16_t first_flexible_version = Body::first_flexible_version;

  OutgoingProduceRequest(Body body, std::vector<const ProducerBatch*> segmented,
                         std::int16_t lowest_version = min_version)
      : body_(std::move(body)), segmented_(std::move(segmented)), lowest_version_(lowest_version) {}

  // The lowest version these batches may go out at: min_version, or 7 when a
  // batch is zstd-compressed (KIP-110: a broker answers older versions
  // UNSUPPORTED_COMPRESSION_TYPE, and brokers knowing no v7 cannot read zstd).
  std::int16_t lowest_version() const noexcept { return lowest_version_; }

  std::error_code validate(std::int16_t version) const { return body_.validate(version); }
  // The generated encoding, with segmented batches spliced in by reference.
  void encode(protocol::Writer& w, std::int16_t version) const;

  bool has_references() const noexcept { return !segmented_.empty(); }
  // The request with every batch contiguous: the body itself when no batch
  // has references, else `copy` with those batches flattened into `storage`
  // (for transports that read the records, such as test brokers).
  const Body& contiguous(Body& copy, std::vector<std::vector<std::uint8_t>>& storage) const;

 private:
  const ProducerBatch* segmented_batch_at(const std::uint8_t* stand_in) const noexcept;

  Body body_;
  std::vector<const ProducerBatch*> segmented_;  // batches whose records in body_ are stand-ins
  std::int16_t lowest_version_;
};

OutgoingProduceRequest build_produce_request(std::span<ProducerBatch* const> batches,
                                             const ProduceRequestOptions& options);

// Bytes a request of these batches adds beyond the batches themselves, at
// most (header fields, names, array lengths); for size checks against
// max.request.size.
std::size_t produce_request_overhead(std::span<ProducerBatch* const> batches);

}  // namespace kwire::detail
