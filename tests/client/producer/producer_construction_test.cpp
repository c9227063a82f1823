// Construction forms a user writes from the README: a braced list of
// property pairs (one, two or more) is always read as properties, never as the
// aggregate ProducerConfig (two pairs used to fill bootstrap_servers and
// client_id and made the call ambiguous), and a ProducerConfig still works,
// designated initialisers included.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "kwire/producer.hpp"
#include "mock_cluster.hpp"

TEST_CASE("Producer from a braced list of two pairs reads them as properties", "[producer][config]") {
  kwire::test::MockCluster cluster(1);
  kwire::Producer producer({{"bootstrap.servers", cluster.bootstrap()}, {"transactional.id", "orders-1"}});
  CHECK(producer.config().bootstrap_servers == std::vector<std::string>{cluster.bootstrap()});
  REQUIRE(producer.config().transactional_id.has_value());
  CHECK(*producer.config().transactional_id == "orders-1");
  CHECK(producer.config().client_id.empty());
}

TEST_CASE("Producer from a braced list of one pair reads it as properties", "[producer][config]") {
  kwire::test::MockCluster cluster(1);
  kwire::Producer producer({{"bootstrap.servers", cluster.bootstrap()}});
  CHECK(producer.config().bootstrap_servers == std::vector<std::string>{cluster.bootstrap()});
  CHECK_FALSE(producer.config().transactional_id.has_value());
}

TEST_CASE("Producer from a braced list refuses an unknown key", "[producer][config]") {
  CHECK_THROWS_AS(kwire::Producer({{"bootstrap.servers", "localhost:9092"}, {"no.such.key", "1"}}), kwire::ConfigError);
}

TEST_CASE("Producer from a designated-initialised ProducerConfig", "[producer][config]") {
  kwire::test::MockCluster cluster(1);
  kwire::Producer producer(kwire::ProducerConfig{.bootstrap_servers = {cluster.bootstrap()}, .client_id = "app"});
  CHECK(producer.config().client_id == "app");
  const kwire::Record record{.topic = "t", .value = kwire::as_bytes("v")};
  CHECK(record.topic == "t");
  const kwire::ConsumerGroupMetadata group{.group_id = "g"};
  CHECK(group.generation_id == -1);
}
