// The embedded cluster: librdkafka's mock cluster started inside the kwire
// process, so the tool can be tried without a Kafka installation. Present
// only when the tool was built with librdkafka (KWIRE_TOOL_WITH_RDKAFKA); the
// kwire libraries never link librdkafka. The mock runs its own threads; this
// object may be used from one thread at a time.
#pragma once

#include <memory>
#include <string>

namespace kwire::tool {

class EmbeddedCluster {
 public:
  // True when this build can start one.
  static bool available() noexcept;
  // Starts a cluster of `brokers` brokers; nullptr with `error` set on failure.
  static std::unique_ptr<EmbeddedCluster> start(int brokers, std::string& error);

  ~EmbeddedCluster();
  EmbeddedCluster(const EmbeddedCluster&) = delete;
  EmbeddedCluster& operator=(const EmbeddedCluster&) = delete;

  // "host:port,host:port" of every broker.
  const std::string& bootstrap() const noexcept { return bootstrap_; }
  int brokers() const noexcept { return brokers_; }
  // Creates a topic (the mock also auto-creates topics on first use).
  bool create_topic(const std::string& name, int partitions, std::string& error);

 private:
  EmbeddedCluster() = default;
  struct Handles;
  std::unique_ptr<Handles> handles_;
  std::string bootstrap_;
  int brokers_ = 0;
};

}  // namespace kwire::tool
