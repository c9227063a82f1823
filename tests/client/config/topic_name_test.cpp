// Topic names Kafka refuses are refused at send(), at once, instead of
// waiting max.block.ms for metadata that never comes.
#include <catch2/catch.hpp>

#include <string>

#include "config/topic_name.hpp"
#include "kwire/producer.hpp"
#include "mock_cluster.hpp"

TEST_CASE("topic names follow Kafka's rules", "[config][topic]") {
  using kwire::detail::valid_topic_name;
  CHECK(valid_topic_name("orders.v2_EU-1"));
  CHECK(valid_topic_name("..."));
  CHECK(valid_topic_name(std::string(249, 'a')));
  CHECK_FALSE(valid_topic_name(std::string(250, 'a')));
  CHECK_FALSE(valid_topic_name(""));
  CHECK_FALSE(valid_topic_name("."));
  CHECK_FALSE(valid_topic_name(".."));
  for (const char* bad : {"a b", "a/b", "a:b", "\xc3\xa9t\xc3\xa9", "a\n", "a*"}) {
    INFO(bad);
    CHECK_FALSE(valid_topic_name(bad));
  }
}

TEST_CASE("send to an invalid topic name fails at once with invalid_topic", "[producer][topic]") {
  kwire::test::MockCluster cluster(1);
  kwire::Producer producer({{"bootstrap.servers", cluster.bootstrap()}, {"max.block.ms", "3000"}});
  bool called = false;
  const kwire::Record record{.topic = "no spaces allowed", .value = kwire::as_bytes("v")};
  std::error_code ec = producer.send(record, [&](std::error_code, kwire::RecordMetadata) { called = true; });
  CHECK(ec == kwire::errc::invalid_topic);
  CHECK_FALSE(called);
  CHECK(ec.message().find("249") != std::string::npos);
}
