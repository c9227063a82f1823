// Builds one ProduceRequest from the batches the accumulator drained for one
// broker (at most one batch per partition, already closed and stamped with
// their producer state), grouping partitions under their topic in drain
// order. The request holds views of the batches' bytes: the batches must
// outlive the send. io thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "kwire/protocol/messages/produce_request.hpp"

namespace kwire::detail {

class ProducerBatch;

struct ProduceRequestOptions {
  std::int16_t acks = -1;
  std::int32_t timeout_ms = 30000;
  std::optional<std::string> transactional_id;
};

protocol::messages::ProduceRequest build_produce_request(std::span<ProducerBatch* const> batches,
                                                         const ProduceRequestOptions& options);

// Bytes a request of these batches adds beyond the batches themselves, at
// most (header fields, names, array lengths); for size checks against
// max.request.size.
std::size_t produce_request_overhead(std::span<ProducerBatch* const> batches);

}  // namespace kwire::detail
