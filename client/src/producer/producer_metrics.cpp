// to_json(ProducerMetrics): one JSON object; brokers and partitions as arrays of objects.
#include "kwire/producer_metrics.hpp"

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace kwire {
namespace {

class JsonObject {
 public:
  template <typename Int>
  void add(std::string_view key, Int value) {
    add_raw(key, std::to_string(value));
  }
  void add(std::string_view key, double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3f", value);
    add_raw(key, text);
  }
  void add_string(std::string_view key, std::string_view value) {
    std::string quoted = "\"";
    for (char c : value) {
      if (c == '"' || c == '\\') quoted += '\\';
      if (static_cast<unsigned char>(c) < 0x20) {
        char esc[8];
        std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned>(c));
        quoted += esc;
        continue;
      }
      quoted += c;
    }
    add_raw(key, quoted + "\"");
  }
  void add_raw(std::string_view key, std::string_view json) {
    out_ += out_.empty() ? "{\"" : ",\"";
    out_ += key;
    out_ += "\":";
    out_ += json;
  }
  std::string done() && { return out_.empty() ? "{}" : std::move(out_) + "}"; }

 private:
  std::string out_;
};

template <typename Item, typename Write>
std::string array(const std::vector<Item>& items, Write write) {
  std::string out = "[";
  for (const Item& item : items) {
    if (out.size() > 1) out += ',';
    JsonObject j;
    write(j, item);
    out += std::move(j).done();
  }
  return out + "]";
}

}  // namespace

std::string to_json(const ProducerMetrics& m) {
  JsonObject j;
#define KWIRE_METRIC(name) j.add(#name, m.name)
  KWIRE_METRIC(records_delivered);
  KWIRE_METRIC(records_failed);
  KWIRE_METRIC(records_buffered);
  KWIRE_METRIC(batches_acknowledged);
  KWIRE_METRIC(batches_duplicate);
  KWIRE_METRIC(batches_retried);
  KWIRE_METRIC(batches_failed);
  KWIRE_METRIC(batches_expired);
  KWIRE_METRIC(batches_split);
  KWIRE_METRIC(batches_purged);
  KWIRE_METRIC(produce_requests);
  KWIRE_METRIC(produce_requests_in_flight);
  KWIRE_METRIC(buffer_memory_total);
  KWIRE_METRIC(buffer_memory_used);
  KWIRE_METRIC(requests_sent);
  KWIRE_METRIC(responses_received);
  KWIRE_METRIC(bytes_sent);
  KWIRE_METRIC(bytes_received);
  KWIRE_METRIC(request_errors);
  KWIRE_METRIC(request_timeouts);
  KWIRE_METRIC(connects);
  KWIRE_METRIC(connect_failures);
  KWIRE_METRIC(disconnects);
  KWIRE_METRIC(rtt_mean_us);
  KWIRE_METRIC(rtt_max_us);
  KWIRE_METRIC(delivery_latency_records);
  KWIRE_METRIC(delivery_latency_p50_us);
  KWIRE_METRIC(delivery_latency_p99_us);
  KWIRE_METRIC(delivery_latency_max_us);
  KWIRE_METRIC(bytes_uncompressed);
  KWIRE_METRIC(bytes_compressed);
  KWIRE_METRIC(compression_ratio);
#undef KWIRE_METRIC
  j.add_raw("brokers", array(m.brokers, [](JsonObject& o, const BrokerMetrics& b) {
#define KWIRE_METRIC(name) o.add(#name, b.name)
    KWIRE_METRIC(broker_id);
    KWIRE_METRIC(produce_requests);
    KWIRE_METRIC(produce_requests_in_flight);
    KWIRE_METRIC(produce_request_failures);
    KWIRE_METRIC(produce_bytes);
    KWIRE_METRIC(rtt_mean_us);
    KWIRE_METRIC(rtt_max_us);
    KWIRE_METRIC(throttle_time_total_ms);
    KWIRE_METRIC(throttle_time_max_ms);
#undef KWIRE_METRIC
  }));
  j.add_raw("partitions", array(m.partitions, [](JsonObject& o, const PartitionMetrics& p) {
    o.add_string("topic", p.topic);
#define KWIRE_METRIC(name) o.add(#name, p.name)
    KWIRE_METRIC(partition);
    KWIRE_METRIC(records_queued);
    KWIRE_METRIC(records_in_flight);
    KWIRE_METRIC(records_delivered);
    KWIRE_METRIC(records_failed);
    KWIRE_METRIC(batches_sent);
#undef KWIRE_METRIC
  }));
  return std::move(j).done();
}

}  // namespace kwire
