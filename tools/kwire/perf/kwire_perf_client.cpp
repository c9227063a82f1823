// The kwire side of `kwire perf produce`: kwire::Producer configured from the
// same -X properties (Java names) as the librdkafka side. Delivery reports run
// on the producer's io thread and go straight to PerfStats (thread-safe); the
// callback carries only the send time (0 = not timed) and touches no state
// the sending threads write, so it costs the io thread one counter update.
#include <exception>

#include "kwire/producer.hpp"
#include "perf/perf_client.hpp"

namespace kwire::tool {
namespace {

class KwirePerfClient final : public PerfClient {
 public:
  KwirePerfClient(const PerfSettings& s, PerfStats& stats, std::unique_ptr<kwire::Producer> producer)
      : topic_(s.topic), partition_(s.partition), stats_(stats), producer_(std::move(producer)) {}
  ~KwirePerfClient() override { producer_->close(std::chrono::seconds(10)); }

  std::string name() const override { return "kwire"; }

  SendStatus send(kwire::protocol::Bytes value, std::uint64_t sent_ns, std::string& error) override {
    kwire::Record r;
    r.topic = topic_;
    if (partition_ >= 0) r.partition = partition_;
    r.value = value;
    auto ec = producer_->send(r, [stats = &stats_, sent_ns](std::error_code ec, const kwire::RecordMetadata&) {
      if (ec) stats->on_failed(ec.message());
      else stats->on_acked(sent_ns);
    });
    if (!ec) return SendStatus::queued;
    if (ec == kwire::errc::queue_full) return SendStatus::queue_full;
    error = ec.message();
    return SendStatus::failed;
  }

  void service(std::chrono::milliseconds) override {}  // reports run on the producer's own thread

  bool flush(std::chrono::milliseconds timeout) override { return !producer_->flush(timeout); }

  std::string metrics_json() override { return kwire::to_json(producer_->metrics()); }

  std::string effective_config() const override {
    const auto& c = producer_->config();
    static constexpr const char* kCodecs[] = {"none", "gzip", "snappy", "lz4", "zstd"};
    auto codec = static_cast<std::size_t>(c.compression_type);
    std::string out;
    auto add = [&out](const char* k, const std::string& v) { out += (out.empty() ? "" : ", ") + (k + ("=" + v)); };
    add("acks", c.acks == -1 ? "all" : std::to_string(c.acks));
    add("enable.idempotence", c.idempotence() ? "true" : "false");
    add("linger.ms", std::to_string(c.linger.count()));
    add("batch.size", std::to_string(c.batch_size));
    add("compression.type", codec < std::size(kCodecs) ? kCodecs[codec] : "?");
    add("compression.level", c.compression_level ? std::to_string(*c.compression_level) : "codec default");
    add("max.in.flight.requests.per.connection", std::to_string(c.max_in_flight_requests_per_connection));
    add("buffer.memory", std::to_string(c.buffer_memory));
    add("delivery.timeout.ms", std::to_string(c.delivery_timeout.count()));
    add("retries", std::to_string(c.retries));
    add("partitioner", c.partitioner == kwire::BuiltinPartitioner::uniform_sticky ? "uniform sticky"
                                                                                    : "murmur2 / uniform sticky");
    add("tcp.nodelay", "always");
    return out;
  }

 private:
  std::string topic_;
  std::int32_t partition_;
  PerfStats& stats_;
  std::unique_ptr<kwire::Producer> producer_;
};

}  // namespace

std::unique_ptr<PerfClient> make_kwire_perf_client(const PerfSettings& s, PerfStats& stats, std::string& error) {
  kwire::Properties props;
  props["bootstrap.servers"] = s.bootstrap;
  for (const auto& [k, v] : s.properties) props[k] = v;
  try {
    return std::make_unique<KwirePerfClient>(s, stats, std::make_unique<kwire::Producer>(props));
  } catch (const std::exception& e) {
    error = std::string("kwire producer: ") + e.what();
    return nullptr;
  }
}

}  // namespace kwire::tool
