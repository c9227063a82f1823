// librdkafka consumer that reads partitions to their end: see log_reader.hpp.
#include "log_reader.hpp"

#include <librdkafka/rdkafka.h>

#include <map>
#include <memory>
#include <set>

namespace kwire::test {

namespace {

std::optional<std::string> bytes_of(const void* data, std::size_t size) {
  if (data == nullptr) return std::nullopt;
  return std::string(static_cast<const char*>(data), size);
}

ReadResult read_partition_with(const std::string& bootstrap, const std::string& topic, std::int32_t partition,
                               const char* isolation_level, std::chrono::milliseconds timeout);
std::vector<ReadResult> read_with(const std::string& bootstrap, const std::string& topic,
                                  const std::vector<std::int32_t>& partitions, const char* isolation_level,
                                  std::chrono::milliseconds timeout);

}  // namespace

ReadResult read_partition(const std::string& bootstrap, const std::string& topic, std::int32_t partition,
                          std::chrono::milliseconds timeout) {
  return read_partition_with(bootstrap, topic, partition, nullptr, timeout);
}

std::vector<ReadResult> read_partitions(const std::string& bootstrap, const std::string& topic, int partitions,
                                        Isolation isolation, std::chrono::milliseconds timeout) {
  std::vector<std::int32_t> all;
  for (std::int32_t p = 0; p < partitions; ++p) all.push_back(p);
  return read_with(bootstrap, topic, all,
                   isolation == Isolation::read_committed ? "read_committed" : "read_uncommitted", timeout);
}

ReadResult read_partition(const std::string& bootstrap, const std::string& topic, std::int32_t partition,
                          Isolation isolation, std::chrono::milliseconds timeout) {
  return read_partition_with(bootstrap, topic, partition,
                             isolation == Isolation::read_committed ? "read_committed" : "read_uncommitted", timeout);
}

namespace {

// One record as the tests see it.
LoggedRecord logged(const rd_kafka_message_t* m) {
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
  return r;
}

// One consumer assigned every partition in `partitions`, read until each
// reported its end; the results in the order of `partitions`.
std::vector<ReadResult> read_with(const std::string& bootstrap, const std::string& topic,
                                  const std::vector<std::int32_t>& partitions, const char* isolation_level,
                                  std::chrono::milliseconds timeout) {
  std::vector<ReadResult> out(partitions.size());
  auto fail_all = [&](const std::string& error) {
    for (auto& r : out) r.error = error;
    return out;
  };
  std::string conf_error;
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const char* k, const char* v) {
    if (rd_kafka_conf_set(conf, k, v, err, sizeof err) != RD_KAFKA_CONF_OK) conf_error = err;
  };
  set("bootstrap.servers", bootstrap.c_str());
  set("group.id", "kwire-log-reader");
  set("enable.auto.commit", "false");
  set("enable.partition.eof", "true");
  set("auto.offset.reset", "earliest");
  if (isolation_level != nullptr) set("isolation.level", isolation_level);
  if (!conf_error.empty()) {
    rd_kafka_conf_destroy(conf);
    return fail_all(conf_error);
  }
  std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)> rk(
      rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err), &rd_kafka_destroy);
  if (!rk) return fail_all(err);
  std::map<std::int32_t, std::size_t> index;  // partition -> slot in `out`
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size()));
  for (std::size_t i = 0; i < partitions.size(); ++i) {
    index[partitions[i]] = i;
    rd_kafka_topic_partition_list_add(parts, topic.c_str(), partitions[i])->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_resp_err_t rc = rd_kafka_assign(rk.get(), parts);
  rd_kafka_topic_partition_list_destroy(parts);
  if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) return fail_all(rd_kafka_err2str(rc));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::set<std::int32_t> open(partitions.begin(), partitions.end());
  while (!open.empty()) {
    if (std::chrono::steady_clock::now() > deadline) {
      for (auto p : open) out[index[p]].error = "timed out before the end of the partition";
      break;
    }
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk.get(), 100);
    if (m == nullptr) continue;
    auto slot = index.find(m->partition);
    if (slot == index.end()) {
      if (m->err) for (auto p : open) out[index[p]].error = rd_kafka_message_errstr(m);
      if (m->err) open.clear();
    } else if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      open.erase(m->partition);
    } else if (m->err) {
      out[slot->second].error = rd_kafka_message_errstr(m);
      open.erase(m->partition);
    } else if (open.count(m->partition)) {
      out[slot->second].records.push_back(logged(m));
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_assign(rk.get(), nullptr);
  rd_kafka_consumer_close(rk.get());
  return out;
}

ReadResult read_partition_with(const std::string& bootstrap, const std::string& topic, std::int32_t partition,
                               const char* isolation_level, std::chrono::milliseconds timeout) {
  return read_with(bootstrap, topic, {partition}, isolation_level, timeout).front();
}

}  // namespace

}  // namespace kwire::test
