// librdkafka transactional producer runs for tests (see txn_broker_librdkafka.hpp).
#include "txn_broker_librdkafka.hpp"

#include <librdkafka/rdkafka.h>

#include <memory>

namespace kwire::test {
namespace {

constexpr int kTimeoutMs = 15000;

// "" for success; the error's text otherwise (the error is freed).
std::string text_of(rd_kafka_error_t* error) {
  if (error == nullptr) return "";
  std::string text = rd_kafka_error_string(error);
  rd_kafka_error_destroy(error);
  return text;
}

}  // namespace

std::string run_librdkafka_transactions(const std::string& bootstrap, const std::string& transactional_id,
                                        const std::string& topic, const std::vector<PlannedTransaction>& plan) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  const std::pair<const char*, std::string> settings[] = {
      {"bootstrap.servers", bootstrap}, {"transactional.id", transactional_id}, {"linger.ms", "5"}};
  for (const auto& [k, v] : settings) {
    if (rd_kafka_conf_set(conf, k, v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return err;
    }
  }
  std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)> rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err),
                                                              &rd_kafka_destroy);
  if (!rk) return err;
  if (auto e = text_of(rd_kafka_init_transactions(rk.get(), kTimeoutMs)); !e.empty()) return "init: " + e;
  for (const auto& txn : plan) {
    if (auto e = text_of(rd_kafka_begin_transaction(rk.get())); !e.empty()) return "begin: " + e;
    for (const auto& [partition, value] : txn.records) {
      auto rc = rd_kafka_producev(rk.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
                                  RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) return std::string("produce: ") + rd_kafka_err2str(rc);
    }
    if (txn.end == TxnEnd::commit) {
      if (auto e = text_of(rd_kafka_commit_transaction(rk.get(), kTimeoutMs)); !e.empty()) return "commit: " + e;
      continue;
    }
    auto rc = rd_kafka_flush(rk.get(), kTimeoutMs);
    if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) return std::string("flush: ") + rd_kafka_err2str(rc);
    if (txn.end == TxnEnd::abort) {
      if (auto e = text_of(rd_kafka_abort_transaction(rk.get(), kTimeoutMs)); !e.empty()) return "abort: " + e;
    }
  }
  return "";
}

}  // namespace kwire::test
