// ProduceRequest assembly and its segment-splicing encoder: see
// produce_request_builder.hpp. io thread only.
#include "producer/sender/produce_request_builder.hpp"

#include <algorithm>

#include "kwire/protocol/records/batch_format.hpp"
#include "kwire/protocol/records/batch_segments.hpp"
#include "producer/accumulator/producer_batch.hpp"

namespace kwire::detail {

namespace records = protocol::records;

namespace {

constexpr std::int16_t kZstdProduceVersion = 7;  // KIP-110
constexpr std::int16_t kZstdCodec = 4;           // compression::Codec::zstd in the attributes

// Whether a finished batch's attributes name zstd (the header is always the
// batch's own bytes, also for a batch with borrowed values).
bool is_zstd(Bytes batch) noexcept {
  constexpr std::size_t at = records::batch_offsets::attributes;
  if (batch.size() < at + 2) return false;
  const auto attributes = static_cast<std::int16_t>((batch[at] << 8) | batch[at + 1]);
  return (attributes & records::batch_attributes::codec_mask) == kZstdCodec;
}

}  // namespace

OutgoingProduceRequest build_produce_request(std::span<ProducerBatch* const> batches,
                                             const ProduceRequestOptions& options) {
  using Request = protocol::messages::ProduceRequest;
  Request request;
  std::vector<const ProducerBatch*> segmented;
  std::int16_t lowest_version = OutgoingProduceRequest::min_version;
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
    if (is_zstd(batch->records())) lowest_version = std::max<std::int16_t>(lowest_version, kZstdProduceVersion);
    if (batch->has_references()) {
      // Stand-in: the right length for the generated length prefix; encode()
      // recognises the address and writes the segments instead.
      partition.records = Bytes(batch->records().data(), batch->size_bytes());
      segmented.push_back(batch);
    } else {
      partition.records = batch->records();
    }
  }
  return OutgoingProduceRequest(std::move(request), std::move(segmented), lowest_version);
}

const ProducerBatch* OutgoingProduceRequest::segmented_batch_at(const std::uint8_t* stand_in) const noexcept {
  for (const ProducerBatch* b : segmented_) {
    if (b->records().data() == stand_in) return b;
  }
  return nullptr;
}

void OutgoingProduceRequest::encode(protocol::Writer& w, std::int16_t version) const {
  if (segmented_.empty()) {
    body_.encode(w, version);
    return;
  }
  // Encode with every payload referenced, then replay the pieces into `w`:
  // owned pieces (field encodings) copied, payloads referenced, stand-ins
  // replaced by their batch's segments. Costs one small buffer per request.
  protocol::Writer staged;
  staged.set_ref_threshold(1);
  body_.encode(staged, version);
  const std::uint8_t* owned_begin = staged.owned().data();
  const std::uint8_t* owned_end = owned_begin + staged.owned().size();
  staged.gather([&](Bytes piece) {
    if (piece.data() >= owned_begin && piece.data() < owned_end) {
      w.raw(piece);
    } else if (const ProducerBatch* batch = segmented_batch_at(piece.data())) {
      records::for_each_segment(batch->records(), batch->references(), [&w](Bytes segment) { w.append_ref(segment); });
    } else {
      w.append_ref(piece);
    }
  });
}

const OutgoingProduceRequest::Body& OutgoingProduceRequest::contiguous(
    Body& copy, std::vector<std::vector<std::uint8_t>>& storage) const {
  if (segmented_.empty()) return body_;
  copy = body_;
  storage.reserve(segmented_.size());
  for (auto& topic : copy.topic_data) {
    for (auto& partition : topic.partition_data) {
      if (!partition.records) continue;
      const ProducerBatch* batch = segmented_batch_at(partition.records->data());
      if (batch == nullptr) continue;
      auto& flat = storage.emplace_back();
      records::flatten(batch->records(), batch->references(), flat);
      partition.records = Bytes(flat);
    }
  }
  return copy;
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
