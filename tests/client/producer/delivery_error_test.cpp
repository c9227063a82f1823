// describe_delivery_error names the topic-partition a failed report concerns,
// on a report the producer really made (an unknown partition refused at send).
#include <catch2/catch.hpp>

#include <chrono>

#include "kwire/delivery_error.hpp"
#include "kwire/errors.hpp"
#include "kwire/producer.hpp"
#include "mock_cluster.hpp"

using namespace std::chrono_literals;

TEST_CASE("describe_delivery_error names the topic and partition", "[producer][errors]") {
  kwire::RecordMetadata md;
  md.topic = "events";
  md.partition = 3;
  CHECK(kwire::describe_delivery_error(kwire::errc::delivery_timeout, md) ==
        "events-3: " + kwire::make_error_code(kwire::errc::delivery_timeout).message());
  md.partition = -1;
  CHECK(kwire::describe_delivery_error(kwire::errc::invalid_topic, md).rfind("events: ", 0) == 0);
}

TEST_CASE("a report the producer fails at send names its topic-partition", "[producer][errors][mock]") {
  kwire::test::MockCluster cluster(1, {{"two", 2}});
  kwire::Producer producer({{"bootstrap.servers", cluster.bootstrap()}});
  kwire::Record r{.topic = "two", .partition = 7, .value = kwire::as_bytes("v")};
  std::string described;
  producer.async_send(r, [&](std::error_code ec, const kwire::RecordMetadata& md) {
    described = kwire::describe_delivery_error(ec, md);
  });
  CHECK(described == "two-7: " + kwire::make_error_code(kwire::errc::invalid_partition).message());
}
