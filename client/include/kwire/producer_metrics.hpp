// Producer::metrics(): a snapshot of what the producer did and holds, and its
// JSON form for logs, `kwire produce --stats` and `kwire perf produce --json`.
// Nothing is gathered per record: counters move per Produce request and per
// batch on the producer's io thread, the rest is read when metrics() is called.
// Each value is exact when read; together they are not one consistent cut.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kwire {

// Produce requests to one broker (other requests count in the network totals).
struct BrokerMetrics {
  std::int32_t broker_id = -1;
  std::uint64_t produce_requests = 0;
  std::uint64_t produce_requests_in_flight = 0;
  std::uint64_t produce_request_failures = 0;  // no answer: lost connection, timeout
  std::uint64_t produce_bytes = 0;             // record batches as sent (compressed)
  std::uint64_t rtt_mean_us = 0;               // request written to answer read, answered requests
  std::uint64_t rtt_max_us = 0;
  std::uint64_t throttle_time_total_ms = 0;    // the broker's throttle_time_ms (quotas), summed
  std::uint64_t throttle_time_max_ms = 0;
};

// One partition the producer sent to (or holds records for).
struct PartitionMetrics {
  std::string topic{};
  std::int32_t partition = -1;
  std::uint64_t records_queued = 0;     // in batches not sent yet (or back for a retry)
  std::uint64_t records_in_flight = 0;  // in Produce requests awaiting an answer
  std::uint64_t records_delivered = 0;
  std::uint64_t records_failed = 0;
  std::uint64_t batches_sent = 0;       // attempts, retries included
};

struct ProducerMetrics {
  // Records whose delivery report was decided (fired, or queued for poll_events()).
  std::uint64_t records_delivered = 0;
  std::uint64_t records_failed = 0;
  // Records held (sent and not yet reported); -1 when not counted (only
  // queue.buffering.max.messages makes the producer count them).
  std::int64_t records_buffered = -1;
  // Batches, by what became of each attempt.
  std::uint64_t batches_acknowledged = 0;
  std::uint64_t batches_duplicate = 0;  // acknowledged as duplicates of an earlier attempt (idempotence)
  std::uint64_t batches_retried = 0;
  std::uint64_t batches_failed = 0;
  std::uint64_t batches_expired = 0;    // delivery.timeout.ms passed before they could be sent
  std::uint64_t batches_split = 0;      // refused as too large and split
  std::uint64_t batches_purged = 0;
  std::uint64_t produce_requests = 0;
  std::uint64_t produce_requests_in_flight = 0;
  // buffer.memory: bytes reserved by batches being filled or sent.
  std::uint64_t buffer_memory_total = 0;
  std::uint64_t buffer_memory_used = 0;
  // The network, all brokers together (every request: Produce, Metadata, ...).
  std::uint64_t requests_sent = 0;
  std::uint64_t responses_received = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t request_errors = 0;
  std::uint64_t request_timeouts = 0;
  std::uint64_t connects = 0;
  std::uint64_t connect_failures = 0;
  std::uint64_t disconnects = 0;
  std::uint64_t rtt_mean_us = 0;
  std::uint64_t rtt_max_us = 0;
  // Delivery latency of delivered records: from their batch's creation (its
  // first record's send) to the report. Power-of-two buckets: p50/p99 are
  // upper bounds within a factor of two; max is exact.
  std::uint64_t delivery_latency_records = 0;
  std::uint64_t delivery_latency_p50_us = 0;
  std::uint64_t delivery_latency_p99_us = 0;
  std::uint64_t delivery_latency_max_us = 0;
  // Record batches sent: bytes before and after compression.type, and their
  // ratio (uncompressed / compressed; 1 without compression or before a send).
  std::uint64_t bytes_uncompressed = 0;
  std::uint64_t bytes_compressed = 0;
  double compression_ratio = 1.0;
  std::vector<BrokerMetrics> brokers{};        // by broker id
  std::vector<PartitionMetrics> partitions{};  // by topic, then partition
};

// One JSON object, keys as the member names: {"records_delivered":10,...,
// "brokers":[{"broker_id":1,...}],"partitions":[{"topic":"t","partition":0,...}]}.
std::string to_json(const ProducerMetrics& metrics);

}  // namespace kwire
