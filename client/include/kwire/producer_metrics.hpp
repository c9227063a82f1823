// Producer::metrics(): a snapshot of what the producer did and holds, read on
// demand (nothing is gathered for it while nobody asks but a few counters the
// producer keeps anyway), and its JSON form for logs and `kwire produce --stats`.
// Each value is exact when read; together they are not one consistent cut.
#pragma once

#include <cstdint>
#include <string>

namespace kwire {

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
};

// One JSON object, keys as the member names: {"records_delivered":10,...}.
std::string to_json(const ProducerMetrics& metrics);

}  // namespace kwire
