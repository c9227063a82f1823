// The librdkafka side of `kwire perf produce --client librdkafka`: the same
// records through librdkafka's C API with the same -X properties (librdkafka
// shares the Java property names that matter here). Only the tool links
// librdkafka, and only when it was found at configure time.
#include "perf/perf_client.hpp"

#ifdef KWIRE_TOOL_WITH_RDKAFKA
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <string_view>
#endif

namespace kwire::tool {

#ifdef KWIRE_TOOL_WITH_RDKAFKA
namespace {

class RdkafkaPerfClient final : public PerfClient {
 public:
  RdkafkaPerfClient(PerfStats& stats, std::int32_t partition) : stats_(stats), partition_(partition) {}
  ~RdkafkaPerfClient() override {
    if (topic_) rd_kafka_topic_destroy(topic_);
    if (rk_) rd_kafka_destroy(rk_);
  }

  bool init(const PerfSettings& s, std::string& error) {
    char errstr[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    auto set = [&](const std::string& k, const std::string& v) {
      if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) == RD_KAFKA_CONF_OK) return true;
      error = "librdkafka rejects -X " + k + "=" + v + ": " + errstr;
      return false;
    };
    // kwire always sets TCP_NODELAY; librdkafka leaves Nagle on unless told.
    bool ok = set("bootstrap.servers", s.bootstrap) && set("log_level", "3") && set("socket.nagle.disable", "true");
    for (const auto& [k, v] : s.properties) {
      if (k == "buffer.memory") {
        // Java's (and kwire's) bound on queued bytes; librdkafka bounds
        // queued bytes and, separately, queued messages: lift the latter.
        auto kib = std::to_string(std::max<long long>(1, std::atoll(v.c_str()) / 1024));
        ok = ok && set("queue.buffering.max.kbytes", kib) && set("queue.buffering.max.messages", "10000000");
      } else {
        ok = ok && set(k, v);
      }
    }
    if (!ok) {
      rd_kafka_conf_destroy(conf);
      return false;
    }
    rd_kafka_conf_set_opaque(conf, this);
    rd_kafka_conf_set_dr_msg_cb(conf, &RdkafkaPerfClient::on_delivery);
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk_) {
      rd_kafka_conf_destroy(conf);
      error = std::string("librdkafka: ") + errstr;
      return false;
    }
    topic_ = rd_kafka_topic_new(rk_, s.topic.c_str(), nullptr);
    effective_config_ = describe_config();
    return true;
  }

  std::string name() const override { return std::string("librdkafka ") + rd_kafka_version_str(); }

  SendStatus send(kwire::protocol::Bytes value, std::uint64_t sent_ns, std::string& error) override {
    // The send timestamp (0: not timed) travels as the message opaque, as librdkafka intends.
    void* opaque = reinterpret_cast<void*>(static_cast<std::uintptr_t>(sent_ns));
    int rc = rd_kafka_produce(topic_, partition_ < 0 ? RD_KAFKA_PARTITION_UA : partition_, RD_KAFKA_MSG_F_COPY,
                              const_cast<std::uint8_t*>(value.data()), value.size(), nullptr, 0, opaque);
    if (rc == 0) return SendStatus::queued;
    auto err = rd_kafka_last_error();
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) return SendStatus::queue_full;
    error = rd_kafka_err2str(err);
    return SendStatus::failed;
  }

  void service(std::chrono::milliseconds wait) override { rd_kafka_poll(rk_, static_cast<int>(wait.count())); }

  bool flush(std::chrono::milliseconds timeout) override {
    return rd_kafka_flush(rk_, static_cast<int>(timeout.count())) == RD_KAFKA_RESP_ERR_NO_ERROR;
  }

  std::string effective_config() const override { return effective_config_; }

 private:
  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* self = static_cast<RdkafkaPerfClient*>(opaque);
    if (m->err) {
      self->stats_.on_failed(rd_kafka_err2str(m->err));
      return;
    }
    self->stats_.on_acked(static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(m->_private)));
  }

  // The finalized configuration (after rd_kafka_new's idempotence
  // adjustments), under kwire's names where librdkafka's differ.
  std::string describe_config() const {
    static constexpr std::pair<const char*, const char*> kShown[] = {
        {"request.required.acks", "acks"},
        {"enable.idempotence", "enable.idempotence"},
        {"queue.buffering.max.ms", "linger.ms"},
        {"batch.size", "batch.size"},
        {"batch.num.messages", "batch.num.messages"},
        {"compression.codec", "compression.type"},
        {"compression.level", "compression.level"},
        {"max.in.flight.requests.per.connection", "max.in.flight.requests.per.connection"},
        {"queue.buffering.max.kbytes", "queue.buffering.max.kbytes"},
        {"queue.buffering.max.messages", "queue.buffering.max.messages"},
        {"message.timeout.ms", "delivery.timeout.ms"},
        {"message.send.max.retries", "retries"},
        {"partitioner", "partitioner"},
        {"sticky.partitioning.linger.ms", "sticky.partitioning.linger.ms"},
        {"socket.nagle.disable", "socket.nagle.disable"},
    };
    std::map<std::string, std::string> values;
    auto collect = [&values](const char** kv, std::size_t n) {
      for (std::size_t i = 0; i + 1 < n; i += 2)
        if (std::string_view(kv[i + 1]) != "inherit") values[kv[i]] = kv[i + 1];  // topic-level "use global"
    };
    // The instance's own configuration, not a copy: rd_kafka_conf_dup() would
    // keep only the properties set explicitly, losing rd_kafka_new's
    // adjustments. Dumping reads it only.
    auto* conf = const_cast<rd_kafka_conf_t*>(rd_kafka_conf(rk_));
    std::size_t n = 0;
    const char** kv = rd_kafka_conf_dump(conf, &n);
    collect(kv, n);
    rd_kafka_conf_dump_free(kv, n);
    if (rd_kafka_topic_conf_t* tconf = rd_kafka_conf_get_default_topic_conf(conf)) {
      kv = rd_kafka_topic_conf_dump(tconf, &n);
      collect(kv, n);
      rd_kafka_conf_dump_free(kv, n);
    }
    std::string out;
    for (const auto& [name, shown] : kShown) {
      auto it = values.find(name);
      if (it == values.end()) continue;
      std::string v = it->second;
      if (std::string_view(name) == "request.required.acks" && v == "-1") v = "all";
      out += (out.empty() ? "" : ", ") + std::string(shown) + "=" + v;
    }
    return out;
  }

  PerfStats& stats_;
  std::int32_t partition_;
  std::string effective_config_;
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_topic_t* topic_ = nullptr;
};

}  // namespace

std::unique_ptr<PerfClient> make_rdkafka_perf_client(const PerfSettings& settings, PerfStats& stats,
                                                     std::string& error) {
  auto client = std::make_unique<RdkafkaPerfClient>(stats, settings.partition);
  if (!client->init(settings, error)) return nullptr;
  return client;
}

#else

std::unique_ptr<PerfClient> make_rdkafka_perf_client(const PerfSettings&, PerfStats&, std::string& error) {
  error = "this kwire was built without librdkafka: --client librdkafka is not available";
  return nullptr;
}

#endif

}  // namespace kwire::tool
