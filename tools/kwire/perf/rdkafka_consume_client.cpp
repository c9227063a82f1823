// The librdkafka side of `kwire perf consume --client librdkafka`: its
// high-level consumer, the partitions assigned at their beginning (no group
// membership, nothing committed) once it knows the topic's leaders, read
// with rd_kafka_consumer_poll(). -X takes
// the Java names; the one librdkafka spells differently is renamed and
// max.poll.records (a Java/kwire batch size) bounds how many messages one
// poll() call here takes before returning.
#include "perf/consume_client.hpp"

#ifdef KWIRE_TOOL_WITH_RDKAFKA
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <cstdlib>
#endif

namespace kwire::tool {

#ifdef KWIRE_TOOL_WITH_RDKAFKA
namespace {

class RdkafkaConsumeClient final : public ConsumeClient {
 public:
  ~RdkafkaConsumeClient() override {
    if (!rk_) return;
    rd_kafka_consumer_close(rk_);
    rd_kafka_destroy(rk_);
  }

  bool init(const ConsumeSettings& s, const std::vector<std::int32_t>& partitions, std::string& error) {
    char errstr[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    auto set = [&](const std::string& k, const std::string& v) {
      if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) == RD_KAFKA_CONF_OK) return true;
      error = "librdkafka rejects -X " + k + "=" + v + ": " + errstr;
      return false;
    };
    // A group.id is required by the high-level consumer; nothing is joined or committed.
    bool ok = set("bootstrap.servers", s.bootstrap) && set("log_level", "3") && set("socket.nagle.disable", "true") &&
              set("group.id", "kwire-perf-consume") && set("enable.auto.commit", "false") &&
              set("enable.auto.offset.store", "false") && set("enable.partition.eof", "false") &&
              // The Java defaults kwire reads with, where librdkafka's differ (-X overrides both).
              set("isolation.level", "read_uncommitted") && set("check.crcs", "true");
    for (const auto& [k, v] : s.properties) {
      if (k == "fetch.max.wait.ms") ok = ok && set("fetch.wait.max.ms", v);
      else if (k == "max.poll.records") batch_ = std::max(1, std::atoi(v.c_str()));
      else ok = ok && set(k, v);
    }
    if (!ok) {
      rd_kafka_conf_destroy(conf);
      return false;
    }
    rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (!rk_) {
      rd_kafka_conf_destroy(conf);
      error = std::string("librdkafka: ") + errstr;
      return false;
    }
    rd_kafka_poll_set_consumer(rk_);
    // Learn the topic's leaders before the assignment, as kwire's side does:
    // assigned without them, librdkafka retries its first offset lookup only
    // after a fixed 500 ms, which would be start-up, not reading.
    if (!load_metadata(s.topic, error)) return false;
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size()));
    for (std::int32_t p : partitions)
      rd_kafka_topic_partition_list_add(list, s.topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    const rd_kafka_resp_err_t err = rd_kafka_assign(rk_, list);
    rd_kafka_topic_partition_list_destroy(list);
    if (err) {
      error = std::string("librdkafka assign: ") + rd_kafka_err2str(err);
      return false;
    }
    effective_config_ = describe_config();
    return true;
  }

  std::string name() const override { return std::string("librdkafka ") + rd_kafka_version_str(); }

  bool poll(std::chrono::milliseconds wait, std::uint64_t& records, std::uint64_t& bytes,
            std::string& error) override {
    // The first message may take `wait`; the rest of a batch only what is ready.
    for (int i = 0; i < batch_; ++i) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, i == 0 ? static_cast<int>(wait.count()) : 0);
      if (!m) return true;
      const rd_kafka_resp_err_t err = m->err;
      if (!err) {
        ++records;
        bytes += m->len + m->key_len;
      } else {
        error = rd_kafka_message_errstr(m);
      }
      rd_kafka_message_destroy(m);
      if (err) return false;
    }
    return true;
  }

  std::string effective_config() const override { return effective_config_; }

 private:
  bool load_metadata(const std::string& topic, std::string& error) {
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk_, topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    const rd_kafka_resp_err_t err = rd_kafka_metadata(rk_, 0, rkt, &md, 10000);
    if (md) rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    if (!err) return true;
    error = std::string("librdkafka metadata: ") + rd_kafka_err2str(err);
    return false;
  }

  std::string describe_config() const {
    static constexpr const char* kShown[] = {"fetch.min.bytes",          "fetch.wait.max.ms", "fetch.max.bytes",
                                             "max.partition.fetch.bytes", "check.crcs",        "isolation.level",
                                             "queued.max.messages.kbytes"};
    const rd_kafka_conf_t* conf = rd_kafka_conf(rk_);
    std::string out;
    for (const char* k : kShown) {
      char value[256];
      std::size_t size = sizeof value;
      if (rd_kafka_conf_get(conf, k, value, &size) != RD_KAFKA_CONF_OK) continue;
      out += (out.empty() ? "" : ", ") + std::string(k) + "=" + value;
    }
    return out + ", messages per poll() call here=" + std::to_string(batch_);
  }

  rd_kafka_t* rk_ = nullptr;
  int batch_ = 500;  // max.poll.records' default
  std::string effective_config_;
};

}  // namespace

std::unique_ptr<ConsumeClient> make_rdkafka_consume_client(const ConsumeSettings& settings,
                                                           const std::vector<std::int32_t>& partitions,
                                                           std::string& error) {
  auto client = std::make_unique<RdkafkaConsumeClient>();
  if (!client->init(settings, partitions, error)) return nullptr;
  return client;
}

#else

std::unique_ptr<ConsumeClient> make_rdkafka_consume_client(const ConsumeSettings&, const std::vector<std::int32_t>&,
                                                           std::string& error) {
  error = "this kwire was built without librdkafka: --client librdkafka is not available";
  return nullptr;
}

#endif

}  // namespace kwire::tool
