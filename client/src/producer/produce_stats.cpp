// ProduceStats: see produce_stats.hpp.
#include "producer/produce_stats.hpp"

#include <algorithm>
#include <bit>
#include <string>

namespace kwire::detail {
namespace {

std::uint64_t micros(std::chrono::steady_clock::duration d) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  return us > 0 ? static_cast<std::uint64_t>(us) : 0;
}

}  // namespace

ProduceStats::Partition& ProduceStats::partition(std::string_view topic, std::int32_t p) {
  auto it = partitions_.find(TopicPartitionView(topic, p));
  if (it == partitions_.end()) it = partitions_.emplace(TopicPartitionKey(std::string(topic), p), Partition{}).first;
  return it->second;
}

void ProduceStats::on_request(std::int32_t broker, std::size_t bytes, std::size_t uncompressed) {
  std::lock_guard lock(mu_);
  Broker& b = brokers_[broker];
  ++b.requests;
  ++b.in_flight;
  b.bytes += bytes;
  bytes_compressed_ += bytes;
  bytes_uncompressed_ += uncompressed;
}

void ProduceStats::on_response(std::int32_t broker, Clock::duration rtt, std::int32_t throttle_ms) {
  std::lock_guard lock(mu_);
  Broker& b = brokers_[broker];
  if (b.in_flight > 0) --b.in_flight;
  ++b.responses;
  const std::uint64_t us = micros(rtt);
  b.rtt_total_us += us;
  b.rtt_max_us = std::max(b.rtt_max_us, us);
  const std::uint64_t throttle = throttle_ms > 0 ? static_cast<std::uint64_t>(throttle_ms) : 0;
  b.throttle_total_ms += throttle;
  b.throttle_max_ms = std::max(b.throttle_max_ms, throttle);
}

void ProduceStats::on_request_failed(std::int32_t broker) {
  std::lock_guard lock(mu_);
  Broker& b = brokers_[broker];
  if (b.in_flight > 0) --b.in_flight;
  ++b.failures;
}

void ProduceStats::on_batch_sent(std::string_view topic, std::int32_t p, std::int32_t records) {
  std::lock_guard lock(mu_);
  Partition& s = partition(topic, p);
  s.in_flight += static_cast<std::uint64_t>(std::max(records, 0));
  ++s.batches;
}

void ProduceStats::on_batch_returned(std::string_view topic, std::int32_t p, std::int32_t records) {
  std::lock_guard lock(mu_);
  Partition& s = partition(topic, p);
  s.in_flight -= std::min(s.in_flight, static_cast<std::uint64_t>(std::max(records, 0)));
}

void ProduceStats::on_batch_reported(std::string_view topic, std::int32_t p, std::size_t delivered,
                                     std::size_t failed, Clock::duration age) {
  std::lock_guard lock(mu_);
  Partition& s = partition(topic, p);
  s.failed += failed;
  s.delivered += delivered;
  if (delivered == 0) return;  // latency of deliveries only
  const auto n = static_cast<std::uint64_t>(delivered);
  const std::uint64_t us = micros(age);
  latency_buckets_[static_cast<std::size_t>(std::bit_width(us))] += n;
  latency_records_ += n;
  latency_max_us_ = std::max(latency_max_us_, us);
}

void ProduceStats::fill(ProducerMetrics& out) const {
  std::lock_guard lock(mu_);
  out.brokers.clear();
  for (const auto& [id, b] : brokers_) {
    BrokerMetrics m;
    m.broker_id = id;
    m.produce_requests = b.requests;
    m.produce_requests_in_flight = b.in_flight;
    m.produce_request_failures = b.failures;
    m.produce_bytes = b.bytes;
    m.rtt_mean_us = b.responses ? b.rtt_total_us / b.responses : 0;
    m.rtt_max_us = b.rtt_max_us;
    m.throttle_time_total_ms = b.throttle_total_ms;
    m.throttle_time_max_ms = b.throttle_max_ms;
    out.brokers.push_back(m);
  }
  out.partitions.clear();
  for (const auto& [key, s] : partitions_) {
    PartitionMetrics m;
    m.topic = key.first;
    m.partition = key.second;
    m.records_in_flight = s.in_flight;
    m.records_delivered = s.delivered;
    m.records_failed = s.failed;
    m.batches_sent = s.batches;
    out.partitions.push_back(std::move(m));
  }
  // The smallest bucket bound below which at least `q` of the records fall.
  auto quantile = [this](double q) -> std::uint64_t {
    if (latency_records_ == 0) return 0;
    const auto wanted = static_cast<std::uint64_t>(q * static_cast<double>(latency_records_) + 0.5);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < latency_buckets_.size(); ++i) {
      seen += latency_buckets_[i];
      if (seen >= std::max<std::uint64_t>(wanted, 1)) {
        const std::uint64_t bound = i == 0 ? 0 : (i >= 63 ? latency_max_us_ : (std::uint64_t{1} << i) - 1);
        return std::min(bound, latency_max_us_);
      }
    }
    return latency_max_us_;
  };
  out.delivery_latency_records = latency_records_;
  out.delivery_latency_p50_us = quantile(0.50);
  out.delivery_latency_p99_us = quantile(0.99);
  out.delivery_latency_max_us = latency_max_us_;
  out.bytes_uncompressed = bytes_uncompressed_;
  out.bytes_compressed = bytes_compressed_;
  out.compression_ratio =
      bytes_compressed_ ? static_cast<double>(bytes_uncompressed_) / static_cast<double>(bytes_compressed_) : 1.0;
}

}  // namespace kwire::detail
