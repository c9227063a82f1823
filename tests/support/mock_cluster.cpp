#include "mock_cluster.hpp"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <stdexcept>

namespace kwire::test {
namespace {

void check(rd_kafka_resp_err_t err, const char* what) {
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw std::runtime_error(std::string("mock cluster: ") + what + ": " + rd_kafka_err2str(err));
}

}  // namespace

MockCluster::MockCluster(int brokers, std::vector<MockTopic> topics) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // Keep the owning handle quiet: it never talks to the cluster itself.
  rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof errstr);
  owner_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!owner_) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("mock cluster: rd_kafka_new: ") + errstr);
  }
  cluster_ = rd_kafka_mock_cluster_new(owner_, brokers);
  if (!cluster_) {
    rd_kafka_destroy(owner_);
    throw std::runtime_error("mock cluster: rd_kafka_mock_cluster_new failed");
  }
  bootstrap_ = rd_kafka_mock_cluster_bootstraps(cluster_);
  for (const auto& t : topics) create_topic(t.name, t.partitions, t.replication_factor);
}

MockCluster::~MockCluster() {
  if (cluster_) rd_kafka_mock_cluster_destroy(cluster_);
  if (owner_) rd_kafka_destroy(owner_);
}

std::string MockCluster::first_host() const {
  auto first = bootstrap_.substr(0, bootstrap_.find(','));
  return first.substr(0, first.rfind(':'));
}

std::uint16_t MockCluster::first_port() const {
  auto first = bootstrap_.substr(0, bootstrap_.find(','));
  return static_cast<std::uint16_t>(std::stoi(first.substr(first.rfind(':') + 1)));
}

void MockCluster::create_topic(const std::string& name, int partitions, int replication_factor) {
  check(rd_kafka_mock_topic_create(cluster_, name.c_str(), partitions, replication_factor), "topic create");
}

void MockCluster::push_request_errors(std::int16_t api_key, const std::vector<std::int16_t>& errors) {
  std::vector<rd_kafka_resp_err_t> errs;
  for (auto e : errors) errs.push_back(static_cast<rd_kafka_resp_err_t>(e));
  rd_kafka_mock_push_request_errors_array(cluster_, api_key, errs.size(), errs.data());
}

void MockCluster::push_broker_errors_with_rtt(
    std::int32_t broker, std::int16_t api_key,
    const std::vector<std::pair<std::int16_t, std::chrono::milliseconds>>& errors) {
  // The C API is variadic (err, rtt) pairs; push one pair per call so any count works.
  for (const auto& [err, rtt] : errors)
    check(rd_kafka_mock_broker_push_request_error_rtts(cluster_, broker, api_key, 1,
                                                        static_cast<rd_kafka_resp_err_t>(err),
                                                        static_cast<int>(rtt.count())),
          "push broker errors");
}

void MockCluster::clear_request_errors(std::int16_t api_key) {
  rd_kafka_mock_clear_request_errors(cluster_, api_key);
}

void MockCluster::broker_down(std::int32_t broker) { check(rd_kafka_mock_broker_set_down(cluster_, broker), "broker down"); }
void MockCluster::broker_up(std::int32_t broker) { check(rd_kafka_mock_broker_set_up(cluster_, broker), "broker up"); }

void MockCluster::set_rtt(std::int32_t broker, std::chrono::milliseconds rtt) {
  check(rd_kafka_mock_broker_set_rtt(cluster_, broker, static_cast<int>(rtt.count())), "set rtt");
}

void MockCluster::set_leader(const std::string& topic, std::int32_t partition, std::int32_t broker) {
  check(rd_kafka_mock_partition_set_leader(cluster_, topic.c_str(), partition, broker), "set leader");
}

void MockCluster::set_topic_error(const std::string& topic, std::int16_t error) {
  rd_kafka_mock_topic_set_error(cluster_, topic.c_str(), static_cast<rd_kafka_resp_err_t>(error));
}

void MockCluster::set_api_version(std::int16_t api_key, std::int16_t min, std::int16_t max) {
  check(rd_kafka_mock_set_apiversion(cluster_, api_key, min, max), "set api version");
}

}  // namespace kwire::test
