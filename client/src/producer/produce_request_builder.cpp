// ProduceRequest assembly: see produce_request_builder.hpp. io thread only.
#include "producer/produce_request_builder.hpp"

#include "producer/producer_batch.hpp"

namespace kwire::detail {

protocol::messages::ProduceRequest build_produce_request(std::span<ProducerBatch* const> batches,
                                                         const ProduceRequestOptions& options) {
  using Request = protocol::messages::ProduceRequest;
  Request request;
  request.transactional_id = options.transactional_id;
  request.acks = options.acks;
  request.timeout_ms = options.timeout_ms;
  for (ProducerBatch* batch : batches) {
    Request::TopicProduceData* topic = nullptr;
    for (auto& t : request.topic_data) {
      if (t.name == batch->topic()) {
        topic = &t;
        break;
      }
    }
    if (topic == nullptr) {
      topic = &request.topic_data.emplace_back();
      topic->name = batch->topic();
    }
    auto& partition = topic->partition_data.emplace_back();
    partition.index = batch->partition();
    partition.records = batch->records();
  }
  return request;
}

std::size_t produce_request_overhead(std::span<ProducerBatch* const> batches) {
  // Fixed part: transactional id (null), acks, timeout, topic array length,
  // and generously the request header with a client id.
  std::size_t bytes = 2 + 2 + 4 + 4 + 64;
  for (ProducerBatch* batch : batches) {
    // Topic name (counted per partition: an upper bound) + partition index,
    // records length and array lengths.
    bytes += 2 + batch->topic().size() + 4 + 4 + 4 + 4;
  }
  return bytes;
}

}  // namespace kwire::detail
