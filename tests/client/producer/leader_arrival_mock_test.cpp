// A record whose partition has no leader waits for one without polling: the
// sender learns of the leader from the metadata refresh that brings it
// (network_backend.cpp's refresh listener), not at its delivery deadline.
#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <thread>
#include <utility>

#include "kwire/producer.hpp"
#include "mock_cluster.hpp"

using namespace std::chrono_literals;

namespace leader_arrival_mock_test {

TEST_CASE("a record for a partition without a leader goes once a refresh names the leader", "[producer][mock]") {
  kwire::test::MockCluster cluster(1, {{"leaderless", 1}});
  cluster.set_leader("leaderless", 0, -1);
  // Delivered only if the sender hears of the leader before this deadline.
  kwire::Producer producer({{"bootstrap.servers", cluster.bootstrap()},
                            {"delivery.timeout.ms", "6000"},
                            {"request.timeout.ms", "3000"},
                            {"linger.ms", "0"}});
  std::promise<std::pair<std::error_code, kwire::RecordMetadata>> reported;
  kwire::Record r{.topic = "leaderless", .partition = 0, .value = kwire::as_bytes("v")};
  producer.async_send(r, [&](std::error_code ec, const kwire::RecordMetadata& md) { reported.set_value({ec, md}); });
  // Sequencing only: the producer has seen the partition leaderless (its
  // first metadata came long before) by the time the leader returns.
  std::this_thread::sleep_for(500ms);
  cluster.set_leader("leaderless", 0, 1);
  auto result = reported.get_future();
  REQUIRE(result.wait_for(15s) == std::future_status::ready);
  const auto [ec, md] = result.get();
  CHECK_FALSE(ec);
  CHECK(md.offset == 0);
  producer.close(5s);
}

}  // namespace leader_arrival_mock_test
