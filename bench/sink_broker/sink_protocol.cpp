// The sink broker's request handlers (see sink_protocol.hpp).
#include "sink_protocol.hpp"

#include <string>

#include "kwire/protocol/wire/reader.hpp"
#include "kwire/protocol/wire/writer.hpp"

namespace kwire::bench {
namespace {

using kwire::protocol::Bytes;
using kwire::protocol::Reader;
using kwire::protocol::Writer;

constexpr std::int16_t kProduce = 0, kFetch = 1, kMetadata = 3, kFindCoordinator = 10, kApiVersions = 18,
                       kInitProducerId = 22;

struct ApiRange {
  std::int16_t key, min, max;
};
// Advertised like a real broker (Kafka 2.x+), because librdkafka decides what
// it may send from these ranges and silently falls back otherwise:
// - record batch v2 only when Fetch v4+ is listed;
// - lz4 (and gzip, snappy) only when Produce v0 is in range and FindCoordinator
//   is listed (its LZ4 feature flag), else it sends uncompressed batches;
// - zstd only with Produce v7 and Fetch v10 listed.
// Fetch and FindCoordinator are never answered, nor Produce below v3 (no
// client that speaks record batch v2 sends them to a producer-only broker).
constexpr ApiRange kAdvertised[] = {{kProduce, 0, 8},         {kFetch, 4, 11},       {kMetadata, 1, 8},
                                    {kFindCoordinator, 0, 2}, {kApiVersions, 0, 3}, {kInitProducerId, 0, 1}};

bool served(std::int16_t key, std::int16_t version) {
  if (key == kFetch || key == kFindCoordinator) return false;
  if (key == kProduce && version < 3) return false;
  for (const auto& a : kAdvertised)
    if (a.key == key) return version >= a.min && version <= a.max;
  return false;
}

// Starts a response: length placeholder, then header v0 (correlation id).
std::size_t begin_response(Writer& w, std::int32_t correlation_id) {
  std::size_t at = w.reserve_i32();
  w.i32(correlation_id);
  return at;
}

SinkAnswer finish(Writer& w, std::size_t length_at, bool is_produce = false) {
  w.patch_i32(length_at, static_cast<std::int32_t>(w.size() - 4));
  SinkAnswer a;
  a.kind = SinkAnswer::Kind::respond;
  a.frame = w.release();
  a.is_produce = is_produce;
  return a;
}

SinkAnswer api_versions(std::int16_t version, std::int32_t correlation_id) {
  Writer w;
  auto at = begin_response(w, correlation_id);  // ApiVersions always answers with header v0
  w.i16(0);
  if (version >= 3) {
    w.compact_array_length(std::size(kAdvertised));
  } else {
    w.array_length(std::size(kAdvertised));
  }
  for (const auto& a : kAdvertised) {
    w.i16(a.key);
    w.i16(a.min);
    w.i16(a.max);
    if (version >= 3) w.uvarint(0);  // no tagged fields
  }
  if (version >= 1) w.i32(0);  // throttle_time_ms
  if (version >= 3) w.uvarint(0);
  return finish(w, at);
}

SinkAnswer metadata(Reader& r, std::int16_t version, std::int32_t correlation_id, SinkState& state) {
  std::vector<std::string> topics;
  auto n = r.array_length();  // nullable from v1: null = all topics
  if (n) {
    for (std::size_t i = 0; i < *n; ++i) topics.emplace_back(r.string());
  } else {
    topics = state.topics();
  }
  if (!r.ok()) return {};
  for (const auto& t : topics) state.touch_topic(t);

  Writer w;
  auto at = begin_response(w, correlation_id);
  if (version >= 3) w.i32(0);  // throttle_time_ms
  w.array_length(state.brokers().size());
  for (const auto& b : state.brokers()) {
    w.i32(b.node_id);
    w.string(b.host);
    w.i32(b.port);
    w.nullable_string(std::nullopt);  // rack (v1+)
  }
  if (version >= 2) w.nullable_string("kwire-sink");  // cluster_id
  w.i32(state.brokers().front().node_id);             // controller_id (v1+)
  w.array_length(topics.size());
  for (const auto& t : topics) {
    w.i16(0);
    w.string(t);
    w.boolean(false);  // is_internal (v1+)
    w.array_length(static_cast<std::size_t>(state.partitions()));
    for (std::int32_t p = 0; p < state.partitions(); ++p) {
      auto leader = state.leader_of(p);
      w.i16(0);
      w.i32(p);
      w.i32(leader);
      if (version >= 7) w.i32(0);  // leader_epoch
      w.array_length(1);
      w.i32(leader);  // replicas
      w.array_length(1);
      w.i32(leader);  // isr
      if (version >= 5) w.array_length(0);  // offline replicas
    }
    if (version >= 8) w.i32(INT32_MIN);  // topic_authorized_operations
  }
  if (version >= 8) w.i32(INT32_MIN);  // cluster_authorized_operations
  return finish(w, at);
}

SinkAnswer init_producer_id(Reader& r, std::int32_t correlation_id, SinkState& state) {
  (void)r.nullable_string();  // transactional_id
  (void)r.i32();              // transaction_timeout_ms
  if (!r.ok()) return {};
  Writer w;
  auto at = begin_response(w, correlation_id);
  w.i32(0);   // throttle_time_ms
  w.i16(0);   // error_code
  w.i64(state.next_producer_id());
  w.i16(0);   // producer_epoch
  return finish(w, at);
}

// Counts the records in a sequence of v2 record batches (records count is the
// batch's last header field, at byte 57); nullopt when malformed.
std::optional<std::int64_t> count_records(Bytes records) {
  std::int64_t total = 0;
  while (!records.empty()) {
    if (records.size() < 61) return std::nullopt;
    Reader h(records);
    h.i64();  // base offset
    auto length = h.i32();
    if (length < 49 || static_cast<std::size_t>(length) + 12 > records.size()) return std::nullopt;
    Reader c(records.subspan(57, 4));
    total += c.i32();
    records = records.subspan(static_cast<std::size_t>(length) + 12);
  }
  return total;
}

SinkAnswer produce(Reader& r, std::int16_t version, std::int32_t correlation_id, SinkState& state) {
  (void)r.nullable_string();  // transactional_id (v3+)
  auto acks = r.i16();
  (void)r.i32();  // timeout_ms
  struct PartitionResult {
    std::int32_t index;
    std::int16_t error;
    std::int64_t base_offset;
  };
  struct TopicResult {
    std::string name;
    std::vector<PartitionResult> partitions;
  };
  std::vector<TopicResult> results;
  auto topics = r.array_length();
  for (std::size_t t = 0; r.ok() && topics && t < *topics; ++t) {
    TopicResult tr;
    tr.name = std::string(r.string());
    auto parts = r.array_length();
    for (std::size_t p = 0; r.ok() && parts && p < *parts; ++p) {
      PartitionResult pr{r.i32(), 0, -1};
      auto records = r.nullable_bytes();
      if (!r.ok()) break;
      auto count = records ? count_records(*records) : std::optional<std::int64_t>(0);
      if (pr.index < 0 || pr.index >= state.partitions()) {
        pr.error = 3;  // UNKNOWN_TOPIC_OR_PARTITION
      } else if (!count) {
        pr.error = 87;  // INVALID_RECORD
      } else {
        pr.base_offset = state.append(tr.name, pr.index, *count);
        state.records_appended += static_cast<std::uint64_t>(*count);
        state.bytes_appended += records ? records->size() : 0;
      }
      tr.partitions.push_back(pr);
    }
    results.push_back(std::move(tr));
  }
  if (!r.ok()) return {};
  ++state.produce_requests;
  if (acks == 0) return {SinkAnswer::Kind::no_response, {}, true};

  Writer w;
  auto at = begin_response(w, correlation_id);
  w.array_length(results.size());
  for (const auto& tr : results) {
    w.string(tr.name);
    w.array_length(tr.partitions.size());
    for (const auto& pr : tr.partitions) {
      w.i32(pr.index);
      w.i16(pr.error);
      w.i64(pr.base_offset);
      w.i64(-1);                      // log_append_time_ms (v2+): CreateTime
      if (version >= 5) w.i64(0);     // log_start_offset
      if (version >= 8) {
        w.array_length(0);            // record_errors
        w.nullable_string(std::nullopt);  // error_message
      }
    }
  }
  w.i32(0);  // throttle_time_ms (v1+)
  return finish(w, at, true);
}

}  // namespace

SinkAnswer answer_request(Bytes request, SinkState& state) {
  Reader r(request);
  auto key = r.i16();
  auto version = r.i16();
  auto correlation_id = r.i32();
  (void)r.nullable_string();  // client_id
  if (!r.ok()) return {};
  if (key == kApiVersions && version >= 3) {
    // Request header v2: skip its tagged fields; the body's fields are ignored.
    auto tags = r.uvarint();
    for (std::uint32_t i = 0; r.ok() && i < tags; ++i) {
      (void)r.uvarint();
      r.skip(r.uvarint());
    }
  }
  if (key == kApiVersions && !served(key, version)) {
    // KIP-511: answer UNSUPPORTED_VERSION in v0 form so the client can retry lower.
    Writer w;
    auto at = begin_response(w, correlation_id);
    w.i16(35);
    w.array_length(1);
    w.i16(kApiVersions);
    w.i16(0);
    w.i16(3);
    return finish(w, at);
  }
  if (!served(key, version)) return {};
  switch (key) {
    case kApiVersions: return api_versions(version, correlation_id);
    case kMetadata: return metadata(r, version, correlation_id, state);
    case kInitProducerId: return init_producer_id(r, correlation_id, state);
    case kProduce: return produce(r, version, correlation_id, state);
    default: return {};
  }
}

}  // namespace kwire::bench
