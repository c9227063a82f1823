// In-process Kafka peer for tests: librdkafka's mock cluster, started through
// its C API. Only tests link this; the library never does. Read
// ../shared/MOCK-CLUSTER.md for what the mock does and does not check.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace kwire::test {

struct MockTopic {
  std::string name;
  int partitions = 1;
  int replication_factor = 1;
};

class MockCluster {
 public:
  explicit MockCluster(int brokers = 1, std::vector<MockTopic> topics = {});
  ~MockCluster();
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  // "host:port,host:port" of every broker.
  const std::string& bootstrap() const noexcept { return bootstrap_; }
  // Host and port of the first bootstrap broker.
  std::string first_host() const;
  std::uint16_t first_port() const;

  void create_topic(const std::string& name, int partitions, int replication_factor = 1);

  // Fault controls. Broker ids start at 1.
  // Errors for the next requests of an API key, cluster-wide (Kafka error codes).
  void push_request_errors(std::int16_t api_key, const std::vector<std::int16_t>& errors);
  // Per broker: each entry is an error code (0 = none) answered after a delay.
  void push_broker_errors_with_rtt(std::int32_t broker, std::int16_t api_key,
                                   const std::vector<std::pair<std::int16_t, std::chrono::milliseconds>>& errors);
  void clear_request_errors(std::int16_t api_key);
  void broker_down(std::int32_t broker);
  void broker_up(std::int32_t broker);
  void set_rtt(std::int32_t broker, std::chrono::milliseconds rtt);
  void set_leader(const std::string& topic, std::int32_t partition, std::int32_t broker);
  void set_topic_error(const std::string& topic, std::int16_t error);
  void set_api_version(std::int16_t api_key, std::int16_t min, std::int16_t max);

  rd_kafka_mock_cluster_s* handle() noexcept { return cluster_; }

 private:
  rd_kafka_s* owner_ = nullptr;  // the mock cluster lives inside an rd_kafka_t
  rd_kafka_mock_cluster_s* cluster_ = nullptr;
  std::string bootstrap_;
};

}  // namespace kwire::test
