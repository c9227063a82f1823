// A producer whose bootstrap servers cannot be reached says so at send, naming
// the address ("connection refused to 127.0.0.1:PORT") instead of only
// "topic or partition not known after max.block.ms" (issue 14, item 3).
#include <catch2/catch.hpp>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include <chrono>
#include <future>
#include <string>
#include <system_error>
#include <vector>

#include "closed_port.hpp"
#include "kwire/delivery_error.hpp"
#include "kwire/errors.hpp"
#include "kwire/producer.hpp"
#include "mock_cluster.hpp"

using kwire::test::closed_port;

TEST_CASE("send to a refused bootstrap server names the address", "[producer][errors][connection]") {
  const std::string address = "127.0.0.1:" + std::to_string(closed_port());
  kwire::Producer producer({{"bootstrap.servers", address}, {"max.block.ms", "1500"}});
  kwire::Record r{.topic = "orders", .value = kwire::as_bytes("v")};

  SECTION("the callback form returns the error") {
    const std::error_code ec = producer.send(r, [](std::error_code, const kwire::RecordMetadata&) {});
    REQUIRE(ec);
    CHECK(ec.category() == kwire::connection_error_category());
    CHECK(ec == std::errc::connection_refused);
    CHECK(ec.message() == "connection refused to " + address);
  }
  SECTION("the completion form's report names topic and address") {
    std::promise<std::string> described;
    producer.async_send(r, [&](std::error_code ec, const kwire::RecordMetadata& md) {
      described.set_value(kwire::describe_delivery_error(ec, md));
    });
    CHECK(described.get_future().get() == "orders: connection refused to " + address);
  }
  SECTION("partitions_for too") {
    std::vector<std::int32_t> partitions;
    const std::error_code ec = producer.partitions_for("orders", std::chrono::milliseconds(1500), partitions);
    CHECK(ec == std::errc::connection_refused);
    CHECK(ec.message() == "connection refused to " + address);
  }
}

TEST_CASE("a refused bootstrap server beside a reachable one is not an error", "[producer][errors][connection][mock]") {
  kwire::test::MockCluster cluster(1, {{"t", 1}});
  const std::string refused = "127.0.0.1:" + std::to_string(closed_port());
  kwire::Producer producer({{"bootstrap.servers", refused + "," + cluster.bootstrap()}, {"max.block.ms", "10000"}});
  kwire::RecordMetadata md;
  kwire::Record r{.topic = "t", .value = kwire::as_bytes("v")};
  CHECK_FALSE(producer.send_and_wait(r, md));
}

TEST_CASE("close with nothing queued does not wait for an unreachable cluster", "[producer][errors][connection]") {
  // The idempotent producer asks for its id at start and keeps asking an
  // unreachable cluster (request.timeout.ms each). With no record to deliver,
  // close() must not wait for that: an hour's timeout would otherwise be
  // spent in full. The bound below is a minute, far below either.
  const std::string address = "127.0.0.1:" + std::to_string(closed_port());
  kwire::Producer producer({{"bootstrap.servers", address}, {"request.timeout.ms", "600000"}});
  auto closed = std::async(std::launch::async, [&] { producer.close(std::chrono::hours(1)); });
  CHECK(closed.wait_for(std::chrono::minutes(1)) == std::future_status::ready);
  closed.wait();
}
