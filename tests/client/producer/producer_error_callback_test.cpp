// ProducerConfig::on_error, the client-wide error callback (librdkafka's
// error_cb; issue 14, item 4): all brokers down (against librdkafka's mock,
// taken down and up again with rd_kafka_mock_broker_set_down/up), a refused
// bootstrap server, a wrong SASL password, and a transactional or an
// idempotent producer's fatal error. Nothing is reported while the cluster is fine.
#include <catch2/catch.hpp>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <system_error>
#include <vector>

#include "closed_port.hpp"
#include "kwire/errors.hpp"
#include "kwire/net/sasl/sasl_error.hpp"
#include "kwire/producer.hpp"
#include "kwire/protocol/errors.hpp"
#include "mock_cluster.hpp"
#include "sasl_server.hpp"

using namespace std::chrono_literals;

using kwire::test::closed_port;

namespace {

// Collects the callback's reports; waits for one that matches.
class ErrorLog {
 public:
  kwire::ErrorCallback callback() {
    return [this](const kwire::ClientError& e) {
      std::lock_guard lock(mu_);
      errors_.push_back(e);
      cv_.notify_all();
    };
  }
  bool wait_for(const std::function<bool(const kwire::ClientError&)>& match, std::size_t n = 1,
                std::chrono::seconds timeout = 20s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return count_locked(match) >= n; });
  }
  std::size_t count(const std::function<bool(const kwire::ClientError&)>& match) {
    std::lock_guard lock(mu_);
    return count_locked(match);
  }
  std::vector<kwire::ClientError> all() {
    std::lock_guard lock(mu_);
    return errors_;
  }

 private:
  std::size_t count_locked(const std::function<bool(const kwire::ClientError&)>& match) const {
    std::size_t n = 0;
    for (const auto& e : errors_) n += match(e) ? 1 : 0;
    return n;
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<kwire::ClientError> errors_;
};

bool all_down(const kwire::ClientError& e) { return e.code == kwire::errc::all_brokers_down; }

kwire::Record record(const std::string& topic) {
  return kwire::Record{.topic = topic, .partition = 0, .value = kwire::as_bytes("v")};
}

}  // namespace

TEST_CASE("error callback: all brokers down, once per outage, naming the broker", "[producer][error_cb][mock]") {
  kwire::test::MockCluster cluster(1, {{"outage", 1}});
  ErrorLog log;
  kwire::ProducerConfig config = kwire::ProducerConfig::from_properties(
      {{"bootstrap.servers", cluster.bootstrap()}, {"reconnect.backoff.ms", "20"}, {"reconnect.backoff.max.ms", "200"}});
  config.on_error = log.callback();
  kwire::Producer producer(config);
  REQUIRE_NOTHROW(producer.send_and_wait(record("outage")));
  CHECK(log.all().empty());

  const std::string address = cluster.first_host() + ":" + std::to_string(cluster.first_port());
  for (std::size_t outage = 1; outage <= 2; ++outage) {
    INFO("outage " << outage);
    cluster.broker_down(1);
    std::error_code delivered = kwire::errc::delivery_timeout;
    REQUIRE_FALSE(producer.send(record("outage"), [&](std::error_code ec, const kwire::RecordMetadata&) { delivered = ec; }));
    REQUIRE(log.wait_for(all_down, outage));
    CHECK(log.count(all_down) == outage);
    const kwire::ClientError e = log.all().back();
    CHECK_FALSE(e.fatal);
    CHECK(e.message.find("all brokers are down") != std::string::npos);
    CHECK(e.message.find(address) != std::string::npos);
    // The producer keeps trying: back up, the held record is delivered.
    cluster.broker_up(1);
    REQUIRE_FALSE(producer.flush(30s));
    CHECK_FALSE(delivered);
  }
  // Every report was one of the two outages.
  CHECK(log.all().size() == 2);
}

TEST_CASE("error callback: a refused bootstrap server is all brokers down, with its address",
          "[producer][error_cb][connection]") {
  const std::string address = "127.0.0.1:" + std::to_string(closed_port());
  ErrorLog log;
  kwire::ProducerConfig config =
      kwire::ProducerConfig::from_properties({{"bootstrap.servers", address}, {"max.block.ms", "1500"}});
  config.on_error = log.callback();
  kwire::Producer producer(config);
  CHECK(producer.send(record("anything"), [](std::error_code, const kwire::RecordMetadata&) {}) ==
        std::errc::connection_refused);
  REQUIRE(log.wait_for(all_down));
  const kwire::ClientError e = log.all().front();
  CHECK(e.message == "all brokers are down; last failure: bootstrap server " + address + ": " +
                         std::make_error_code(std::errc::connection_refused).message());
  CHECK(log.count(all_down) == 1);  // the outage lasts: reported once
}

TEST_CASE("error callback: a wrong SASL password is reported with the SASL error", "[producer][error_cb][security][mock]") {
  kwire::test::MockCluster cluster(1);
  kwire::test::SaslServerOptions options;
  options.users = {{"alice", "alice-secret"}};
  options.upstream_host = cluster.first_host();
  options.upstream_port = cluster.first_port();
  kwire::test::SaslServer server(options);
  ErrorLog log;
  kwire::ProducerConfig config = kwire::ProducerConfig::from_properties({{"bootstrap.servers", server.bootstrap()},
                                                                         {"security.protocol", "SASL_PLAINTEXT"},
                                                                         {"sasl.mechanism", "PLAIN"},
                                                                         {"sasl.username", "alice"},
                                                                         {"sasl.password", "not-alice-secret"},
                                                                         {"max.block.ms", "5000"}});
  config.on_error = log.callback();
  kwire::Producer producer(config);
  CHECK(producer.send(record("anything"), [](std::error_code, const kwire::RecordMetadata&) {}) ==
        kwire::net::sasl_errc::authentication_failed);
  const auto auth_failed = [](const kwire::ClientError& e) {
    return e.code == kwire::net::sasl_errc::authentication_failed;
  };
  REQUIRE(log.wait_for(auth_failed));
  for (const auto& e : log.all()) {
    if (!auth_failed(e)) continue;
    CHECK_FALSE(e.fatal);
    CHECK(e.message.rfind("bootstrap server " + server.bootstrap() + ": ", 0) == 0);
  }
}

TEST_CASE("error callback: a transactional producer's fatal error, once", "[producer][error_cb][txn][mock]") {
  constexpr std::int16_t kInitProducerId = 22;
  constexpr std::int16_t kTransactionalIdAuthorizationFailed = 53;
  const auto unauthorized = static_cast<kwire::protocol::kafka_errc>(kTransactionalIdAuthorizationFailed);
  kwire::test::MockCluster cluster(1, {{"txf", 1}});
  cluster.push_request_errors(kInitProducerId, {kTransactionalIdAuthorizationFailed});
  ErrorLog log;
  kwire::ProducerConfig config = kwire::ProducerConfig::from_properties(
      {{"bootstrap.servers", cluster.bootstrap()}, {"transactional.id", "tx-error-cb"}});
  config.on_error = log.callback();
  kwire::Producer producer(config);
  CHECK(producer.init_transactions(5s) == unauthorized);
  CHECK(producer.begin_transaction() == unauthorized);
  CHECK(producer.init_transactions(5s) == unauthorized);
  REQUIRE(log.wait_for([](const kwire::ClientError& e) { return e.fatal; }));
  const std::vector<kwire::ClientError> errors = log.all();
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].fatal);
  CHECK(errors[0].code == unauthorized);
  CHECK(errors[0].message.find("only close() is left") != std::string::npos);
}

TEST_CASE("error callback: an idempotent producer whose InitProducerId is refused for good, once",
          "[producer][error_cb][idempotence][mock]") {
  constexpr std::int16_t kInitProducerId = 22;
  constexpr std::int16_t kClusterAuthorizationFailed = 31;
  const auto unauthorized = static_cast<kwire::protocol::kafka_errc>(kClusterAuthorizationFailed);
  kwire::test::MockCluster cluster(1, {{"idf", 1}});
  cluster.push_request_errors(kInitProducerId, {kClusterAuthorizationFailed});
  ErrorLog log;
  // Short timeouts: without the fatal state the records would only fail at delivery.timeout.ms.
  kwire::ProducerConfig config = kwire::ProducerConfig::from_properties(
      {{"bootstrap.servers", cluster.bootstrap()}, {"enable.idempotence", "true"}, {"request.timeout.ms", "5000"},
       {"delivery.timeout.ms", "10000"}});
  config.on_error = log.callback();
  kwire::Producer producer(config);
  kwire::RecordMetadata md;
  CHECK(producer.send_and_wait(record("idf"), md) == unauthorized);
  CHECK(md.outcome == kwire::DeliveryOutcome::not_sent);
  REQUIRE(log.wait_for([](const kwire::ClientError& e) { return e.fatal; }));
  // Later records fail with the same error, without another report.
  CHECK(producer.send_and_wait(record("idf"), md) == unauthorized);
  const std::vector<kwire::ClientError> errors = log.all();
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].code == unauthorized);
  CHECK(errors[0].message.find("InitProducerId refused") != std::string::npos);
  CHECK(errors[0].message.find("only close() is left") != std::string::npos);
}

TEST_CASE("error callback: a retriable InitProducerId error is asked again, not reported",
          "[producer][error_cb][idempotence][mock]") {
  constexpr std::int16_t kInitProducerId = 22;
  constexpr std::int16_t kCoordinatorLoadInProgress = 14;
  kwire::test::MockCluster cluster(1, {{"idr", 1}});
  cluster.push_request_errors(kInitProducerId, {kCoordinatorLoadInProgress, kCoordinatorLoadInProgress});
  ErrorLog log;
  kwire::ProducerConfig config = kwire::ProducerConfig::from_properties(
      {{"bootstrap.servers", cluster.bootstrap()}, {"enable.idempotence", "true"}});
  config.on_error = log.callback();
  kwire::Producer producer(config);
  kwire::RecordMetadata md;
  CHECK_FALSE(producer.send_and_wait(record("idr"), md));
  CHECK(md.offset == 0);
  CHECK(log.all().empty());
}
