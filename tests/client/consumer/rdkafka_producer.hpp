// librdkafka's producer as the peer that writes what kwire's consumer must
// read: records with keys, values, headers and timestamps, in a chosen codec,
// to one partition, acknowledged before write() returns. Tests only.
#pragma once

#include <librdkafka/rdkafka.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kwire::test {

struct PeerRecord {
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
  std::int64_t timestamp_ms = 0;
};

class RdkafkaProducer {
 public:
  explicit RdkafkaProducer(const std::string& bootstrap, std::map<std::string, std::string> extra = {}) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[512];
    extra.emplace("bootstrap.servers", bootstrap);
    extra.emplace("linger.ms", "5");
    for (const auto& [k, v] : extra) REQUIRE(rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) == RD_KAFKA_CONF_OK);
    rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
      auto* self = static_cast<RdkafkaProducer*>(opaque);
      if (m->err) ++self->failed_;
      else ++self->delivered_;
    });
    rd_kafka_conf_set_opaque(conf, this);
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    REQUIRE(rk_ != nullptr);
  }
  ~RdkafkaProducer() {
    rd_kafka_flush(rk_, 10000);
    rd_kafka_destroy(rk_);
  }
  RdkafkaProducer(const RdkafkaProducer&) = delete;
  RdkafkaProducer& operator=(const RdkafkaProducer&) = delete;

  // Sends every record to topic/partition in order and waits for all acks.
  void write(const std::string& topic, std::int32_t partition, const std::vector<PeerRecord>& records) {
    const int before = delivered_;
    for (const PeerRecord& r : records) {
      rd_kafka_headers_t* hdrs = rd_kafka_headers_new(r.headers.size());
      for (const auto& [name, value] : r.headers)
        rd_kafka_header_add(hdrs, name.data(), static_cast<ssize_t>(name.size()), value ? value->data() : nullptr,
                            value ? static_cast<ssize_t>(value->size()) : 0);
      char* key = r.key ? const_cast<char*>(r.key->data()) : nullptr;
      const std::size_t key_size = r.key ? r.key->size() : 0;
      char* value = r.value ? const_cast<char*>(r.value->data()) : nullptr;
      const std::size_t value_size = r.value ? r.value->size() : 0;
      rd_kafka_resp_err_t rc;
      for (;;) {
        rc = rd_kafka_producev(
            rk_, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
            RD_KAFKA_V_KEY(key, key_size), RD_KAFKA_V_VALUE(value, value_size),
            RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_TIMESTAMP(r.timestamp_ms), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_END);
        if (rc != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
        rd_kafka_poll(rk_, 10);
      }
      REQUIRE(rc == RD_KAFKA_RESP_ERR_NO_ERROR);
      rd_kafka_poll(rk_, 0);
    }
    REQUIRE(rd_kafka_flush(rk_, 30000) == RD_KAFKA_RESP_ERR_NO_ERROR);
    REQUIRE(failed_ == 0);
    REQUIRE(delivered_ - before == static_cast<int>(records.size()));
  }

  rd_kafka_t* handle() noexcept { return rk_; }

 private:
  rd_kafka_t* rk_ = nullptr;
  int delivered_ = 0;
  int failed_ = 0;
};

// Records with every shape a consumer must hand back: null and empty keys
// and values, sizes that cross batch boundaries, headers with null values.
inline std::vector<PeerRecord> varied_records(int count, std::int64_t first_timestamp = 1'700'000'000'000) {
  std::vector<PeerRecord> out;
  for (int i = 0; i < count; ++i) {
    PeerRecord r;
    if (i % 7 != 3) r.key = "key-" + std::to_string(i);
    if (i % 11 != 5) r.value = "value-" + std::to_string(i) + std::string(static_cast<std::size_t>(i * 37 % 900), 'v');
    if (i % 13 == 0) r.value = std::string();
    if (i % 3 == 0) r.headers = {{"trace", "t-" + std::to_string(i)}, {"empty", std::nullopt}};
    r.timestamp_ms = first_timestamp + i;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace kwire::test
