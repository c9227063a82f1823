// The kwire side of `kwire perf consume`: kwire::Consumer assigned the
// partitions (no group) once it knows the topic's leaders,
// auto.offset.reset=earliest unless -X says otherwise; each poll()'s records
// are counted from their views, nothing copied.
#include <chrono>
#include <exception>
#include <system_error>
#include <vector>

#include "kwire/consumer.hpp"
#include "perf/consume_client.hpp"

namespace kwire::tool {
namespace {

class KwireConsumeClient final : public ConsumeClient {
 public:
  explicit KwireConsumeClient(std::unique_ptr<kwire::Consumer> consumer) : consumer_(std::move(consumer)) {}
  ~KwireConsumeClient() override { consumer_->close(); }

  std::string name() const override { return "kwire"; }

  bool poll(std::chrono::milliseconds wait, std::uint64_t& records, std::uint64_t& bytes,
            std::string& error) override {
    const kwire::ConsumerRecords& got = consumer_->poll(wait);
    for (const kwire::ConsumerRecord& r : got) {
      if (r.key) bytes += r.key->size();
      if (r.value) bytes += r.value->size();
    }
    records += got.size();
    if (!got.error()) return true;
    error = got.error_detail().empty() ? got.error().message() : got.error_detail();
    return false;
  }

  std::string effective_config() const override {
    const kwire::ConsumerConfig& c = consumer_->config();
    std::string out;
    auto add = [&out](const char* k, const std::string& v) { out += (out.empty() ? "" : ", ") + (k + ("=" + v)); };
    add("fetch.min.bytes", std::to_string(c.fetch_min_bytes));
    add("fetch.max.wait.ms", std::to_string(c.fetch_max_wait.count()));
    add("fetch.max.bytes", std::to_string(c.fetch_max_bytes));
    add("max.partition.fetch.bytes", std::to_string(c.max_partition_fetch_bytes));
    add("max.poll.records", std::to_string(c.max_poll_records));
    add("check.crcs", c.check_crcs ? "true" : "false");
    add("isolation.level", c.isolation_level == kwire::IsolationLevel::read_committed ? "read_committed"
                                                                                      : "read_uncommitted");
    return out;
  }

 private:
  std::unique_ptr<kwire::Consumer> consumer_;
};

}  // namespace

std::unique_ptr<ConsumeClient> make_kwire_consume_client(const ConsumeSettings& s,
                                                         const std::vector<std::int32_t>& partitions,
                                                         std::string& error) {
  kwire::Properties props{{"bootstrap.servers", s.bootstrap}, {"auto.offset.reset", "earliest"}};
  for (const auto& [k, v] : s.properties) props[k] = v;
  try {
    auto consumer = std::make_unique<kwire::Consumer>(props);
    // The topic's leaders known before the assignment, as librdkafka's side does.
    std::vector<std::int32_t> known;
    if (std::error_code ec = consumer->partitions_for(s.topic, known, std::chrono::seconds(10))) {
      error = "kwire consumer: topic " + s.topic + ": " + ec.message();
      return nullptr;
    }
    std::vector<kwire::TopicPartition> assigned;
    for (std::int32_t p : partitions) assigned.push_back({s.topic, p});
    consumer->assign(std::move(assigned));
    return std::make_unique<KwireConsumeClient>(std::move(consumer));
  } catch (const std::exception& e) {
    error = std::string("kwire consumer: ") + e.what();
    return nullptr;
  }
}

}  // namespace kwire::tool
