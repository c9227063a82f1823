// Figures behind Producer::metrics() gathered per Produce request (the
// sender) and per reported batch (the delivery dispatcher), never per record
// and never on the send path: per broker (Produce requests, bytes, round-trip
// time, throttle time), per partition (records in flight, delivered, failed),
// the delivery latency of records (from their batch's creation to its
// report: one sample per batch, weighted by its records) and the bytes before
// and after compression.
// Threads: written on the io thread (and by a user thread failing batches
// at close), read by Producer::metrics(): one uncontended lock per request or
// batch.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string_view>

#include "cluster/topic_partition_key.hpp"
#include "kwire/producer_metrics.hpp"

namespace kwire::detail {

class ProduceStats {
 public:
  using Clock = std::chrono::steady_clock;

  // A Produce request of `bytes` (the batches' wire bytes, `uncompressed`
  // before compression) left for `broker`.
  void on_request(std::int32_t broker, std::size_t bytes, std::size_t uncompressed);
  // Its answer: round-trip time and the broker's throttle_time_ms; or a
  // failure (lost connection, timeout) without an answer.
  void on_response(std::int32_t broker, Clock::duration rtt, std::int32_t throttle_ms);
  void on_request_failed(std::int32_t broker);
  // A batch of `records` records of a partition was sent / came back
  // (answered or failed at the transport).
  void on_batch_sent(std::string_view topic, std::int32_t partition, std::int32_t records);
  void on_batch_returned(std::string_view topic, std::int32_t partition, std::int32_t records);
  // A batch's reports were dispatched: `delivered` and `failed` records,
  // `age` after the batch was created (the latency of its oldest record).
  void on_batch_reported(std::string_view topic, std::int32_t partition, std::size_t delivered, std::size_t failed,
                         Clock::duration age);

  // Writes what is gathered here into `out` (brokers, partitions, latency,
  // compression).
  void fill(ProducerMetrics& out) const;

 private:
  struct Broker {
    std::uint64_t requests = 0;
    std::uint64_t bytes = 0;
    std::uint64_t failures = 0;
    std::uint64_t responses = 0;
    std::uint64_t rtt_total_us = 0;
    std::uint64_t rtt_max_us = 0;
    std::uint64_t throttle_total_ms = 0;
    std::uint64_t throttle_max_ms = 0;
    std::uint64_t in_flight = 0;
  };
  struct Partition {
    std::uint64_t in_flight = 0;
    std::uint64_t delivered = 0;
    std::uint64_t failed = 0;
    std::uint64_t batches = 0;
  };
  Partition& partition(std::string_view topic, std::int32_t partition);

  mutable std::mutex mu_;
  std::map<std::int32_t, Broker> brokers_;
  std::map<TopicPartitionKey, Partition, TopicPartitionLess> partitions_;
  // Latency: bucket i holds records whose latency in microseconds has
  // bit_width i (power-of-two buckets, 1 us to ~2^63 us); quantiles are read
  // as the bucket's upper bound, so within a factor of two.
  std::array<std::uint64_t, 64> latency_buckets_{};
  std::uint64_t latency_records_ = 0;
  std::uint64_t latency_max_us_ = 0;
  std::uint64_t bytes_uncompressed_ = 0;
  std::uint64_t bytes_compressed_ = 0;
};

}  // namespace kwire::detail
