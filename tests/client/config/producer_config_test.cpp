// Producer configuration: Java property names, defaults, clear errors for
// unknown keys and bad values, and the idempotence/acks rules of the Java client.
#include <catch2/catch.hpp>

#include "kwire/producer_config.hpp"

using kwire::ProducerConfig;
using kwire::Properties;

namespace {

Properties base() { return {{"bootstrap.servers", "localhost:9092"}}; }

std::string error_of(const Properties& props, std::error_code& code) {
  ProducerConfig c;
  std::string why;
  code = ProducerConfig::parse(props, c, why);
  return why;
}

}  // namespace

TEST_CASE("config: Java client defaults, idempotence on") {
  ProducerConfig c = ProducerConfig::from_properties(base());
  REQUIRE(c.bootstrap_servers == std::vector<std::string>{"localhost:9092"});
  CHECK(c.acks == -1);
  CHECK(c.batch_size == 16384);
  CHECK(c.buffer_memory == 33554432);
  CHECK(c.max_block == std::chrono::milliseconds(60000));
  CHECK(c.delivery_timeout == std::chrono::milliseconds(120000));
  CHECK(c.request_timeout == std::chrono::milliseconds(30000));
  CHECK(c.max_in_flight_requests_per_connection == 5);
  CHECK(c.max_request_size == 1048576);
  CHECK(c.compression_type == kwire::CompressionType::none);
  CHECK_FALSE(c.enable_idempotence.has_value());
  CHECK(c.idempotence());
}

TEST_CASE("config: Java property names are parsed into the struct") {
  Properties p = base();
  p["bootstrap.servers"] = "a:1, b:2 ,c:3";
  p["client.id"] = "me";
  p["acks"] = "1";
  p["linger.ms"] = "20";
  p["batch.size"] = "1000";
  p["buffer.memory"] = "123456";
  p["max.block.ms"] = "7";
  p["request.timeout.ms"] = "1000";
  p["delivery.timeout.ms"] = "5000";
  p["retries"] = "3";
  p["retry.backoff.ms"] = "11";
  p["max.in.flight.requests.per.connection"] = "2";
  p["compression.type"] = "zstd";
  p["compression.level"] = "5";
  p["max.request.size"] = "2000";
  p["partitioner"] = "uniform_sticky";
  p["enable.manual.events.poll"] = "true";
  ProducerConfig c = ProducerConfig::from_properties(p);
  CHECK(c.bootstrap_servers == std::vector<std::string>{"a:1", "b:2", "c:3"});
  CHECK(c.client_id == "me");
  CHECK(c.acks == 1);
  CHECK(c.linger.count() == 20);
  CHECK(c.batch_size == 1000);
  CHECK(c.buffer_memory == 123456);
  CHECK(c.max_block.count() == 7);
  CHECK(c.request_timeout.count() == 1000);
  CHECK(c.delivery_timeout.count() == 5000);
  CHECK(c.retries == 3);
  CHECK(c.retry_backoff.count() == 11);
  CHECK(c.max_in_flight_requests_per_connection == 2);
  CHECK(c.compression_type == kwire::CompressionType::zstd);
  CHECK(c.compression_level == 5);
  CHECK(c.max_request_size == 2000);
  CHECK(c.partitioner == kwire::BuiltinPartitioner::uniform_sticky);
  CHECK(c.enable_manual_events_poll);
}

TEST_CASE("config: an unknown key is an error naming it") {
  Properties p = base();
  p["linger.msx"] = "5";
  std::error_code code;
  std::string why = error_of(p, code);
  CHECK(code == kwire::errc::unknown_config_key);
  CHECK(why.find("linger.msx") != std::string::npos);
  CHECK_THROWS_AS(ProducerConfig::from_properties(p), kwire::ConfigError);
}

TEST_CASE("config: bad values are errors naming the key and the value") {
  struct Case {
    const char* key;
    const char* value;
  } cases[] = {
      {"linger.ms", "abc"},        {"linger.ms", "-1"},          {"batch.size", "12x"},
      {"acks", "2"},               {"acks", "many"},             {"enable.idempotence", "yes"},
      {"compression.type", "brotli"}, {"max.in.flight.requests.per.connection", "0"},
      {"buffer.memory", "0"},      {"max.request.size", "99999999999"}, {"bootstrap.servers", "host:port"},
      {"security.protocol", "TLS"}, {"sasl.mechanism", "GSSAPI"},
  };
  for (const Case& c : cases) {
    Properties p = base();
    p[c.key] = c.value;
    std::error_code code;
    std::string why = error_of(p, code);
    INFO(c.key << "=" << c.value << " -> " << why);
    CHECK(code == kwire::errc::invalid_config_value);
    bool names_it = why.find(c.key) != std::string::npos || why.find(c.value) != std::string::npos;
    CHECK(names_it);
  }
}

TEST_CASE("config: missing bootstrap.servers is an error") {
  std::error_code code;
  std::string why = error_of({{"acks", "all"}}, code);
  CHECK(code == kwire::errc::invalid_config_value);
  CHECK(why.find("bootstrap.servers") != std::string::npos);
}

TEST_CASE("config: acks other than all with explicit idempotence is an error") {
  for (const char* acks : {"0", "1"}) {
    Properties p = base();
    p["acks"] = acks;
    p["enable.idempotence"] = "true";
    std::error_code code;
    std::string why = error_of(p, code);
    CHECK(code == kwire::errc::conflicting_config);
    CHECK(why.find("acks") != std::string::npos);
  }
  Properties p = base();
  p["enable.idempotence"] = "true";
  p["max.in.flight.requests.per.connection"] = "6";
  std::error_code code;
  error_of(p, code);
  CHECK(code == kwire::errc::conflicting_config);
}

TEST_CASE("config: acks 0 or 1 without explicit idempotence turns it off, as the Java client") {
  for (const char* acks : {"0", "1"}) {
    Properties p = base();
    p["acks"] = acks;
    ProducerConfig c = ProducerConfig::from_properties(p);
    CHECK_FALSE(c.idempotence());
  }
  Properties p = base();
  p["acks"] = "all";
  CHECK(ProducerConfig::from_properties(p).idempotence());
  p["enable.idempotence"] = "false";
  CHECK_FALSE(ProducerConfig::from_properties(p).idempotence());
}

TEST_CASE("config: delivery.timeout.ms must cover linger.ms + request.timeout.ms") {
  Properties p = base();
  p["request.timeout.ms"] = "10000";
  p["linger.ms"] = "100";
  p["delivery.timeout.ms"] = "5000";
  std::error_code code;
  error_of(p, code);
  CHECK(code == kwire::errc::conflicting_config);
  // Left at its default, it grows instead (as the Java client does).
  p.erase("delivery.timeout.ms");
  p["request.timeout.ms"] = "200000";
  ProducerConfig c = ProducerConfig::from_properties(p);
  CHECK(c.delivery_timeout.count() == 200100);
}

TEST_CASE("config: security properties, JAAS credentials") {
  Properties p = base();
  p["security.protocol"] = "SASL_SSL";
  p["sasl.mechanism"] = "SCRAM-SHA-256";
  p["sasl.jaas.config"] =
      "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"alice\" password=\"s3cr=t\";";
  p["ssl.truststore.location"] = "/etc/ca.pem";
  p["ssl.endpoint.identification.algorithm"] = "";
  ProducerConfig c = ProducerConfig::from_properties(p);
  CHECK(c.security.protocol == kwire::SecurityProtocol::sasl_ssl);
  CHECK(c.security.sasl_mechanism == "SCRAM-SHA-256");
  CHECK(c.security.sasl_username == "alice");
  CHECK(c.security.sasl_password == "s3cr=t");
  CHECK(c.security.truststore_location == "/etc/ca.pem");
  CHECK_FALSE(c.security.verify_hostname);

  Properties q = base();
  q["security.protocol"] = "SASL_PLAINTEXT";
  q["sasl.mechanism"] = "PLAIN";
  std::error_code code;
  error_of(q, code);  // no credentials
  CHECK(code == kwire::errc::conflicting_config);
}

TEST_CASE("config: transactional.id makes the producer idempotent; conflicting settings are refused") {
  Properties p = base();
  p["transactional.id"] = "tx";
  p["transaction.timeout.ms"] = "15000";
  kwire::ProducerConfig c = kwire::ProducerConfig::from_properties(p);
  REQUIRE(c.transactional_id);
  CHECK(*c.transactional_id == "tx");
  CHECK(c.transaction_timeout == std::chrono::milliseconds(15000));
  CHECK(c.idempotence());

  Properties q = base();
  q["transactional.id"] = "tx";
  q["enable.idempotence"] = "false";
  std::error_code code;
  std::string why = error_of(q, code);
  CHECK(code == kwire::errc::conflicting_config);
  CHECK(why.find("transactional.id") != std::string::npos);

  Properties r = base();
  r["transactional.id"] = "tx";
  r["acks"] = "1";
  error_of(r, code);
  CHECK(code == kwire::errc::conflicting_config);

  Properties e = base();
  e["transactional.id"] = "";
  error_of(e, code);
  CHECK(code == kwire::errc::invalid_config_value);
}
