// librdkafka consumer that reads one partition to its end: see log_reader.hpp.
#include "log_reader.hpp"

#include <librdkafka/rdkafka.h>

#include <memory>

namespace kwire::test {

namespace {

std::optional<std::string> bytes_of(const void* data, std::size_t size) {
  if (data == nullptr) return std::nullopt;
  return std::string(static_cast<const char*>(data), size);
}

ReadResult read_partition_with(const std::string& bootstrap, const std::string& topic, std::int32_t partition,
                               const char* isolation_level, std::chrono::milliseconds timeout);

}  // namespace

ReadResult read_partition(const std::string& bootstrap, const std::string& topic, std::int32_t partition,
                          std::chrono::milliseconds timeout) {
  return read_partition_with(bootstrap, topic, partition, nullptr, timeout);
}

ReadResult read_partition(const std::string& bootstrap, const std::string& topic, std::int32_t partition,
                          Isolation isolation, std::chrono::milliseconds timeout) {
  return read_partition_with(bootstrap, topic, partition,
                             isolation == Isolation::read_committed ? "read_committed" : "read_uncommitted", timeout);
}

namespace {

ReadResult read_partition_with(const std::string& bootstrap, const std::string& topic, std::int32_t partition,
                               const char* isolation_level, std::chrono::milliseconds timeout) {
  ReadResult out;
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const char* k, const char* v) {
    if (rd_kafka_conf_set(conf, k, v, err, sizeof err) != RD_KAFKA_CONF_OK) out.error = err;
  };
  set("bootstrap.servers", bootstrap.c_str());
  set("group.id", "kwire-log-reader");
  set("enable.auto.commit", "false");
  set("enable.partition.eof", "true");
  set("auto.offset.reset", "earliest");
  if (isolation_level != nullptr) set("isolation.level", isolation_level);
  if (!out.error.empty()) {
    rd_kafka_conf_destroy(conf);
    return out;
  }
  std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)> rk(
      rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err), &rd_kafka_destroy);
  if (!rk) {
    out.error = err;
    return out;
  }
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, topic.c_str(), partition)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_resp_err_t rc = rd_kafka_assign(rk.get(), parts);
  rd_kafka_topic_partition_list_destroy(parts);
  if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
    out.error = rd_kafka_err2str(rc);
    return out;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool done = false;
  while (!done) {
    if (std::chrono::steady_clock::now() > deadline) {
      out.error = "timed out before the end of the partition";
      break;
    }
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk.get(), 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      done = true;
    } else if (m->err) {
      out.error = rd_kafka_message_errstr(m);
      done = true;
    } else {
      LoggedRecord r;
      r.offset = m->offset;
      rd_kafka_timestamp_type_t tstype;
      r.timestamp_ms = rd_kafka_message_timestamp(m, &tstype);
      r.log_append_time = tstype == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME;
      r.key = bytes_of(m->key, m->key_len);
      r.value = bytes_of(m->payload, m->len);
      rd_kafka_headers_t* hdrs = nullptr;
      if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs != nullptr) {
        const char* name;
        const void* val;
        std::size_t size;
        for (std::size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
          r.headers.emplace_back(name, bytes_of(val, size));
        }
      }
      out.records.push_back(std::move(r));
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_assign(rk.get(), nullptr);
  rd_kafka_consumer_close(rk.get());
  return out;
}

}  // namespace

}  // namespace kwire::test
