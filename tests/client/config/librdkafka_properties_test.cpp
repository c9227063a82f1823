// librdkafka's property names: the ones with a Java equivalent set the same
// field (units converted), the same property given under both names must
// agree, and unknown names are refused with the closest supported one named.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "kwire/consumer_config.hpp"
#include "kwire/producer_config.hpp"

namespace {

kwire::ProducerConfig with(const std::string& key, const std::string& value) {
  return kwire::ProducerConfig::from_properties({{"bootstrap.servers", "h:9092"}, {key, value}});
}

std::string refusal(const kwire::Properties& extra, std::error_code expected) {
  kwire::Properties props{{"bootstrap.servers", "h:9092"}};
  props.insert(extra.begin(), extra.end());
  kwire::ProducerConfig c;
  std::string why;
  CHECK(kwire::ProducerConfig::parse(props, c, why) == expected);
  return why;
}

}  // namespace

TEST_CASE("librdkafka names set the Java property of the same meaning", "[config][librdkafka]") {
  using namespace std::chrono_literals;
  CHECK(with("queue.buffering.max.ms", "25").linger == 25ms);
  CHECK(with("message.max.bytes", "2000000").max_request_size == 2000000);
  CHECK(with("message.timeout.ms", "45000").delivery_timeout == 45000ms);
  CHECK(with("message.timeout.ms", "0").delivery_timeout == std::chrono::milliseconds(2147483647));
  CHECK(with("max.in.flight", "3").max_in_flight_requests_per_connection == 3);
  CHECK(with("queue.buffering.max.kbytes", "1024").buffer_memory == 1024 * 1024);
  CHECK(with("request.required.acks", "1").acks == 1);
  CHECK(with("message.send.max.retries", "7").retries == 7);
  CHECK(with("compression.codec", "zstd").compression_type == kwire::CompressionType::zstd);
  CHECK(with("socket.send.buffer.bytes", "0").send_buffer_bytes == -1);
  CHECK(with("socket.receive.buffer.bytes", "65536").receive_buffer_bytes == 65536);
  CHECK(kwire::ProducerConfig::from_properties({{"metadata.broker.list", "a:1,b:2"}}).bootstrap_servers.size() == 2);
  auto sasl = kwire::ProducerConfig::from_properties({{"bootstrap.servers", "h:9092"},
                                                      {"security.protocol", "SASL_PLAINTEXT"},
                                                      {"sasl.mechanisms", "SCRAM-SHA-256"},
                                                      {"sasl.username", "u"},
                                                      {"sasl.password", "p"}});
  CHECK(sasl.security.sasl_mechanism == "SCRAM-SHA-256");
}

TEST_CASE("a bad value under a librdkafka name is refused in that name", "[config][librdkafka]") {
  auto why = refusal({{"queue.buffering.max.ms", "soon"}}, kwire::errc::invalid_config_value);
  CHECK(why.find("queue.buffering.max.ms") != std::string::npos);
}

TEST_CASE("the same property under both names must agree", "[config][librdkafka]") {
  using namespace std::chrono_literals;
  auto c = kwire::ProducerConfig::from_properties(
      {{"bootstrap.servers", "h:9092"}, {"linger.ms", "9"}, {"queue.buffering.max.ms", "9"}});
  CHECK(c.linger == 9ms);
  auto why = refusal({{"linger.ms", "9"}, {"queue.buffering.max.ms", "10"}}, kwire::errc::conflicting_config);
  CHECK(why.find("linger.ms") != std::string::npos);
  CHECK(why.find("queue.buffering.max.ms") != std::string::npos);
}

TEST_CASE("an unknown property is refused naming the closest supported one", "[config][librdkafka]") {
  CHECK(refusal({{"lingr.ms", "5"}}, kwire::errc::unknown_config_key) ==
        "unknown producer property 'lingr.ms' (closest supported: linger.ms)");
  CHECK(refusal({{"sasl.mechanismz", "PLAIN"}}, kwire::errc::unknown_config_key) ==
        "unknown producer property 'sasl.mechanismz' (closest supported: sasl.mechanism)");
  auto why = refusal({{"batch.num.messages", "1000"}}, kwire::errc::unknown_config_key);
  CHECK(why.find("batch.size") != std::string::npos);
  why = refusal({{"sticky.partitioning.linger.ms", "10"}}, kwire::errc::unknown_config_key);
  CHECK(why.find("no equivalent") != std::string::npos);
}

TEST_CASE("a bootstrap server without a port gets 9092", "[config]") {
  const std::vector<std::string> expected{"kafka-1:9092", "kafka-2:9093", "[::1]:9092", "10.0.0.1:9092"};
  const std::string given = "kafka-1, kafka-2:9093,[::1],10.0.0.1";
  CHECK(kwire::ProducerConfig::from_properties({{"bootstrap.servers", given}}).bootstrap_servers == expected);
  CHECK(kwire::ConsumerConfig::from_properties({{"bootstrap.servers", given}}).bootstrap_servers == expected);
}
