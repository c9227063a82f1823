// to_json(ProducerMetrics): one flat JSON object of integers.
#include "kwire/producer_metrics.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace kwire {
namespace {

class JsonObject {
 public:
  template <typename Int>
  void add(std::string_view key, Int value) {
    out_ += out_.empty() ? "{\"" : ",\"";
    out_ += key;
    out_ += "\":";
    out_ += std::to_string(value);
  }
  std::string done() && { return out_.empty() ? "{}" : std::move(out_) + "}"; }

 private:
  std::string out_;
};

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
#undef KWIRE_METRIC
  return std::move(j).done();
}

}  // namespace kwire
