// kwire::Consumer as a member of a consumer group (subscribe), against
// librdkafka's mock cluster, which runs the classic group protocol
// (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) and checks the generation and
// member id of every commit: two kwire consumers split a topic's partitions,
// and when one leaves the other reads all of them from the offsets the
// leaver committed; a member that stops polling leaves the group and learns
// its partitions are lost; subscribe() needs a group.id. With librdkafka
// members in the group: consumer_group_librdkafka_mock_test.cpp.
//
// The mock elects the group's leader only when its join window ends (about
// 3 s for a new group, session.timeout.ms - 1 s for a rebalance), so these
// tests take seconds each; a short session keeps them short.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "consumer_group_members.hpp"
#include "kwire/consumer.hpp"
#include "kwire/producer.hpp"
#include "mock_cluster.hpp"

using namespace std::chrono_literals;

namespace kwire::test::consumer_group::mock_test {

// The test cases stay in the namespace: unity builds put files together.

TEST_CASE("Two kwire consumers split a group's partitions; when one leaves the other reads all", "[consumer][group][mock]") {
  kwire::test::MockCluster cluster(1);
  const std::string topic = "split";
  constexpr std::int32_t kPartitions = 4;
  cluster.create_topic(topic, kPartitions);

  Heard heard_a, heard_b;
  auto a = std::make_unique<kwire::Consumer>(member_props(cluster.bootstrap(), "g-split"));
  kwire::Consumer b(member_props(cluster.bootstrap(), "g-split"));
  REQUIRE(!a->subscribe({topic}, heard_a.listener()));
  REQUIRE(!b.subscribe({topic}, heard_b.listener()));
  CHECK(a->subscription() == std::vector<std::string>{topic});

  Read read_a, read_b;
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!splits(a->assignment(), b.assignment(), topic, kPartitions) && std::chrono::steady_clock::now() < deadline) {
    poll_into(*a, read_a);
    poll_into(b, read_b);
  }
  REQUIRE(splits(a->assignment(), b.assignment(), topic, kPartitions));
  CHECK(a->assignment().size() == 2);  // range: 4 partitions, 2 members
  // Under load one of them may have joined alone first: every generation
  // but the last one ended with a revoke.
  REQUIRE(!heard_a.assigned.empty());
  CHECK(heard_a.assigned.back() == a->assignment());
  CHECK(heard_a.revoked.size() == heard_a.assigned.size() - 1);
  CHECK(heard_b.revoked.size() == heard_b.assigned.size() - 1);
  const kwire::ConsumerGroupMetadata meta_a = a->group_metadata(), meta_b = b.group_metadata();
  CHECK(meta_a.generation_id > 0);
  CHECK(meta_a.generation_id == meta_b.generation_id);
  CHECK(!meta_a.member_id.empty());
  CHECK(meta_a.member_id != meta_b.member_id);

  constexpr int kEach = 50;
  produce_to_every_partition(cluster, topic, kPartitions, kEach);
  deadline = std::chrono::steady_clock::now() + 30s;
  while (read_a.size() + read_b.size() < kPartitions * kEach && std::chrono::steady_clock::now() < deadline) {
    poll_into(*a, read_a);
    poll_into(b, read_b);
  }
  check_each_once({{&read_a, partitions_of(a->assignment())}, {&read_b, partitions_of(b.assignment())}}, kPartitions,
                  0, kEach);
  // The mock takes these commits only with the generation and member id of a current member.
  REQUIRE(!a->commit());
  REQUIRE(!b.commit());

  // a leaves (LeaveGroup): b is told to give its partitions up, joins again
  // and gets all four, each from where its last reader committed.
  const std::vector<TopicPartition> b_first = b.assignment();
  const std::size_t a_revoked = heard_a.revoked.size(), b_revoked = heard_b.revoked.size(),
                    b_assigned = heard_b.assigned.size();
  a->close();
  CHECK(heard_a.revoked.size() == a_revoked + 1);
  a.reset();
  deadline = std::chrono::steady_clock::now() + 30s;
  Read after;
  while (b.assignment().size() != kPartitions && std::chrono::steady_clock::now() < deadline) poll_into(b, after);
  REQUIRE(b.assignment().size() == kPartitions);
  CHECK(after.empty());
  REQUIRE(heard_b.revoked.size() == b_revoked + 1);
  CHECK(heard_b.revoked.back() == b_first);
  REQUIRE(heard_b.assigned.size() == b_assigned + 1);
  CHECK(heard_b.assigned.back().size() == kPartitions);
  CHECK(heard_b.lost.empty());
  CHECK(b.group_metadata().generation_id > meta_b.generation_id);

  produce_to_every_partition(cluster, topic, kPartitions, 20);
  deadline = std::chrono::steady_clock::now() + 30s;
  while (after.size() < kPartitions * 20 && std::chrono::steady_clock::now() < deadline) poll_into(b, after);
  std::set<std::int32_t> all;
  for (std::int32_t p = 0; p < kPartitions; ++p) all.insert(p);
  check_each_once({{&after, all}}, kPartitions, kEach, 20);
  REQUIRE(!b.commit());
}

TEST_CASE("A member that does not poll for max.poll.interval.ms leaves the group; poll() then reports its partitions lost",
          "[consumer][group][mock]") {
  kwire::test::MockCluster cluster(1);
  const std::string topic = "stalled";
  constexpr std::int32_t kPartitions = 4;
  cluster.create_topic(topic, kPartitions);
  const std::map<std::string, std::string> stall{{"max.poll.interval.ms", "4000"}};

  Heard heard_a, heard_b;
  kwire::Consumer a(member_props(cluster.bootstrap(), "g-stall", stall));
  kwire::Consumer b(member_props(cluster.bootstrap(), "g-stall", stall));
  REQUIRE(!a.subscribe({topic}, heard_a.listener()));
  REQUIRE(!b.subscribe({topic}, heard_b.listener()));
  Read read_a, read_b;
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!splits(a.assignment(), b.assignment(), topic, kPartitions) && std::chrono::steady_clock::now() < deadline) {
    poll_into(a, read_a);
    poll_into(b, read_b);
  }
  REQUIRE(splits(a.assignment(), b.assignment(), topic, kPartitions));
  const std::vector<TopicPartition> b_first = b.assignment();
  const std::int32_t generation = b.group_metadata().generation_id;
  CHECK(heard_b.lost.empty());

  // b's application stalls; its heartbeats go on from the consumer's own
  // thread, but must not keep it in the group: a ends up with everything.
  deadline = std::chrono::steady_clock::now() + 30s;
  while (a.assignment().size() != kPartitions && std::chrono::steady_clock::now() < deadline) poll_into(a, read_a);
  REQUIRE(a.assignment().size() == kPartitions);
  CHECK(a.group_metadata().generation_id > generation);
  CHECK(heard_b.lost.empty());  // b hears of it only when it polls again
  CHECK(b.assignment() == b_first);

  // b polls again: its partitions were taken without a chance to commit
  // (lost, not revoked), and it joins the group again.
  const std::size_t b_revoked = heard_b.revoked.size();
  deadline = std::chrono::steady_clock::now() + 10s;
  while (heard_b.lost.empty() && std::chrono::steady_clock::now() < deadline) poll_into(b, read_b);
  REQUIRE(heard_b.lost.size() == 1);
  CHECK(heard_b.lost[0] == b_first);
  CHECK(heard_b.revoked.size() == b_revoked);
  CHECK(b.assignment().empty());
  CHECK(b.group_metadata().generation_id == -1);

  deadline = std::chrono::steady_clock::now() + 30s;
  while (!splits(a.assignment(), b.assignment(), topic, kPartitions) && std::chrono::steady_clock::now() < deadline) {
    poll_into(a, read_a);
    poll_into(b, read_b);
  }
  REQUIRE(splits(a.assignment(), b.assignment(), topic, kPartitions));
  CHECK(b.group_metadata().generation_id == a.group_metadata().generation_id);
  CHECK(read_a.empty());
  CHECK(read_b.empty());
  REQUIRE(!b.commit());  // a member of the current generation again
}

TEST_CASE("subscribe() needs a group.id and does not mix with assign()", "[consumer][group]") {
  kwire::Consumer no_group(kwire::test::base("localhost:1"));
  CHECK(no_group.subscribe({"t"}) == kwire::consumer_errc::no_group_id);

  kwire::Consumer assigned(kwire::test::base("localhost:1", {{"group.id", "g"}}));
  assigned.assign({{"t", 0}});
  CHECK(assigned.subscribe({"t"}) == kwire::consumer_errc::assignment_conflict);
  assigned.assign({});
  REQUIRE(!assigned.subscribe({"t"}));
  CHECK_THROWS_AS(assigned.assign({{"t", 0}}), std::system_error);

  kwire::Consumer sticky_only(
      kwire::test::base("localhost:1", {{"group.id", "g"}, {"partition.assignment.strategy", "cooperative-sticky"}}));
  CHECK(!sticky_only.subscribe({"t"}));
}

}  // namespace kwire::test::consumer_group::mock_test
