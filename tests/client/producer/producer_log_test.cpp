// ProducerConfig::log: the producer's connection lines reach the caller's
// callback, naming the broker's address: a refused connection says where it
// was refused (issue 14, items 3 and 4).
#include <catch2/catch.hpp>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "closed_port.hpp"
#include "kwire/errors.hpp"
#include "kwire/producer.hpp"
#include "mock_cluster.hpp"

using kwire::test::closed_port;

namespace {

struct CollectedLog {
  std::mutex mu;
  std::vector<std::pair<kwire::LogLevel, std::string>> lines;

  kwire::LogHook hook(kwire::LogLevel level) {
    return {level, [this](kwire::LogLevel l, std::string_view line) {
              std::lock_guard lock(mu);
              lines.emplace_back(l, std::string(line));
            }};
  }
  bool any(kwire::LogLevel level, const std::string& a, const std::string& b) {
    std::lock_guard lock(mu);
    for (const auto& [l, line] : lines)
      if (l == level && line.find(a) != std::string::npos && line.find(b) != std::string::npos) return true;
    return false;
  }
};

}  // namespace

TEST_CASE("producer log: a refused connection is logged with the broker's address", "[producer][log]") {
  const std::string address = "127.0.0.1:" + std::to_string(closed_port());
  CollectedLog log;
  auto config = kwire::ProducerConfig::from_properties({{"bootstrap.servers", address}, {"max.block.ms", "300"}});
  config.log = log.hook(kwire::LogLevel::warning);
  {
    kwire::Producer producer(config);
    kwire::RecordMetadata md;
    kwire::Record r{.topic = "t", .value = kwire::as_bytes("v")};
    CHECK(producer.send_and_wait(r, md));
    producer.close(std::chrono::seconds(5));  // the io thread has stopped: every line is in
  }
  CHECK(log.any(kwire::LogLevel::warning, "(" + address + ")", "connection set-up failed"));
}

TEST_CASE("producer log: lines below the chosen level are not delivered", "[producer][log][mock]") {
  kwire::test::MockCluster cluster(1, {{"t", 1}});
  CollectedLog info, warnings;
  for (auto* collected : {&info, &warnings}) {
    auto config = kwire::ProducerConfig::from_properties({{"bootstrap.servers", cluster.bootstrap()}});
    config.log = collected->hook(collected == &info ? kwire::LogLevel::info : kwire::LogLevel::warning);
    kwire::Producer producer(config);
    kwire::RecordMetadata md;
    kwire::Record r{.topic = "t", .value = kwire::as_bytes("v")};
    REQUIRE_FALSE(producer.send_and_wait(r, md));
    producer.close(std::chrono::seconds(5));
  }
  // The mock's bootstrap address appears in the info-level "connected" line.
  CHECK(info.any(kwire::LogLevel::info, "(" + cluster.bootstrap() + ")", "connected"));
  CHECK_FALSE(warnings.any(kwire::LogLevel::info, "", "connected"));
}
