// The kwire side of `kwire perf produce`: kwire::Producer configured from the
// same -X properties (Java names) as the librdkafka side. Delivery reports run
// on the producer's io thread and go straight to PerfStats (thread-safe).
#include <atomic>
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
    in_flight_.fetch_add(1, std::memory_order_relaxed);
    auto ec = producer_->send(r, [this, sent_ns](std::error_code ec, kwire::RecordMetadata) {
      stats_.delivered(sent_ns, ec ? ec.message() : std::string());
      in_flight_.fetch_sub(1, std::memory_order_relaxed);
    });
    if (!ec) return SendStatus::queued;
    in_flight_.fetch_sub(1, std::memory_order_relaxed);
    if (ec == kwire::errc::queue_full) return SendStatus::queue_full;
    error = ec.message();
    return SendStatus::failed;
  }

  void service(std::chrono::milliseconds) override {}  // reports run on the producer's own thread

  bool flush(std::chrono::milliseconds timeout) override { return !producer_->flush(timeout); }

  std::uint64_t in_flight() const override { return in_flight_.load(std::memory_order_relaxed); }

 private:
  std::string topic_;
  std::int32_t partition_;
  PerfStats& stats_;
  std::unique_ptr<kwire::Producer> producer_;
  std::atomic<std::uint64_t> in_flight_{0};
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
