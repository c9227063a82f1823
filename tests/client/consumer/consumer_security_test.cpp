// A consumer whose connections are refused for a security reason (a wrong
// SASL password) says so: poll() returns the SASL error naming the server,
// and partitions_for()/position() end with it instead of waiting out their
// timeout as if the cluster were slow. librdkafka's mock cluster has no SASL,
// so our SASL front end (tests/support/sasl_server) stands in front of it, as
// in the producer's security tests; the right password reads records
// librdkafka wrote.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "kwire/consumer.hpp"
#include "kwire/net/sasl/sasl_error.hpp"
#include "mock_cluster.hpp"
#include "rdkafka_producer.hpp"
#include "sasl_server.hpp"

using namespace std::chrono_literals;

namespace consumer_security {

kwire::Properties sasl_settings(const std::string& bootstrap, const std::string& password) {
  return {{"bootstrap.servers", bootstrap},
          {"security.protocol", "SASL_PLAINTEXT"},
          {"sasl.mechanism", "SCRAM-SHA-256"},
          {"sasl.username", "alice"},
          {"sasl.password", password},
          {"auto.offset.reset", "earliest"},
          {"reconnect.backoff.ms", "50"}};
}

kwire::test::SaslServerOptions front_of(const kwire::test::MockCluster& cluster) {
  kwire::test::SaslServerOptions o;
  o.users = {{"alice", "alice-secret"}};
  o.upstream_host = cluster.first_host();
  o.upstream_port = cluster.first_port();
  return o;
}

}  // namespace consumer_security

TEST_CASE("Consumer: a refused SASL password is reported by poll, partitions_for and position",
          "[consumer][security][mock]") {
  using namespace consumer_security;
  kwire::test::MockCluster cluster(1);
  cluster.create_topic("secured", 1);
  kwire::test::SaslServer server(front_of(cluster));

  kwire::Consumer consumer(sasl_settings(server.bootstrap(), "not-alice-secret"));
  // A metadata wait ends with the reason, not with consumer_timeout after 60 s.
  std::vector<std::int32_t> partitions;
  CHECK(consumer.partitions_for("secured", partitions, 60s) == kwire::net::sasl_errc::authentication_failed);
  CHECK(partitions.empty());

  consumer.assign({{"secured", 0}});
  std::error_code polled;
  std::string detail;
  bool about_a_partition = false;
  for (int i = 0; i < 300 && !polled; ++i) {  // at most a minute of 200 ms polls
    const kwire::ConsumerRecords& records = consumer.poll(200ms);
    CHECK(records.empty());
    polled = records.error();
    detail = records.error_detail();
    about_a_partition = records.error_partition().has_value();
  }
  CHECK(polled == kwire::net::sasl_errc::authentication_failed);
  INFO(detail);
  CHECK(detail.find(server.bootstrap()) != std::string::npos);  // names the server that refused
  CHECK_FALSE(about_a_partition);

  std::int64_t offset = -1;
  CHECK(consumer.position({"secured", 0}, offset, 60s) == kwire::net::sasl_errc::authentication_failed);
  CHECK(server.authentications_failed() >= 1);
  CHECK(server.authentications_succeeded() == 0);
}

TEST_CASE("Consumer: the right SASL password reads what librdkafka wrote through the same front end",
          "[consumer][security][mock]") {
  using namespace consumer_security;
  kwire::test::MockCluster cluster(1);
  cluster.create_topic("secured-ok", 1);
  std::vector<kwire::test::PeerRecord> written(20);
  for (std::size_t i = 0; i < written.size(); ++i) written[i].value = "v" + std::to_string(i);
  kwire::test::RdkafkaProducer(cluster.bootstrap(), {{"linger.ms", "0"}}).write("secured-ok", 0, written);
  kwire::test::SaslServer server(front_of(cluster));

  kwire::Consumer consumer(sasl_settings(server.bootstrap(), "alice-secret"));
  consumer.assign({{"secured-ok", 0}});
  std::vector<std::string> read;
  for (int i = 0; i < 150 && read.size() < written.size(); ++i) {
    const kwire::ConsumerRecords& records = consumer.poll(200ms);
    REQUIRE(!records.error());
    for (const auto& r : records) read.emplace_back(reinterpret_cast<const char*>(r.value->data()), r.value->size());
  }
  REQUIRE(read.size() == written.size());
  for (std::size_t i = 0; i < read.size(); ++i) CHECK(read[i] == written[i].value);
  CHECK(server.authentications_succeeded() >= 1);
  CHECK(server.authentications_failed() == 0);
}
