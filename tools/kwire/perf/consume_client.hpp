// The consumer a `kwire perf consume` run drives: kwire::Consumer, or
// librdkafka's C consumer for the A/B comparison. Both read the same
// partitions from the beginning with the same -X properties and count what
// they read the same way (records, and key + value bytes), each through its
// own usual API (kwire: poll() batches; librdkafka: rd_kafka_consumer_poll()
// per message). Called from the run's thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace kwire::tool {

struct ConsumeSettings {
  std::string client = "kwire";  // kwire | librdkafka
  std::string bootstrap;
  std::string topic;
  std::int32_t partition = -1;  // -1: every partition of the topic
  std::uint64_t count = 0;      // records to read
  std::vector<std::pair<std::string, std::string>> properties;  // -X, Java property names
  bool json = false;
};

class ConsumeClient {
 public:
  virtual ~ConsumeClient() = default;
  virtual std::string name() const = 0;
  // Reads what arrives within `wait`, adding to `records` and `bytes` (keys
  // and values). False with `error` when the client reports a failure.
  virtual bool poll(std::chrono::milliseconds wait, std::uint64_t& records, std::uint64_t& bytes,
                    std::string& error) = 0;
  // The settings that matter for reading, as the client runs with them.
  virtual std::string effective_config() const = 0;
};

// The client named by settings.client, reading `partitions` of the topic
// from their beginning; nullptr with `error` when unknown, not built in, or a
// property is refused.
std::unique_ptr<ConsumeClient> make_consume_client(const ConsumeSettings& settings,
                                                   const std::vector<std::int32_t>& partitions, std::string& error);
std::unique_ptr<ConsumeClient> make_kwire_consume_client(const ConsumeSettings& settings,
                                                         const std::vector<std::int32_t>& partitions,
                                                         std::string& error);
std::unique_ptr<ConsumeClient> make_rdkafka_consume_client(const ConsumeSettings& settings,
                                                           const std::vector<std::int32_t>& partitions,
                                                           std::string& error);

}  // namespace kwire::tool
