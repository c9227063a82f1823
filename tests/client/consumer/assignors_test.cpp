// The range and round-robin assignors: the examples of Kafka's own assignor
// documentation, static members ordered first, and for a set of
// subscriptions every partition assigned exactly once, to a subscriber.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "consumer/assignors.hpp"

using kwire::TopicPartition;
using kwire::detail::AssignorMember;
using kwire::detail::GroupAssignments;

namespace {

using Parts = std::vector<TopicPartition>;

AssignorMember member(std::string id, std::vector<std::string> topics, std::optional<std::string> instance = {}) {
  return AssignorMember{std::move(id), std::move(instance), std::move(topics)};
}

// Every partition of every subscribed topic exactly once, to a member subscribed to it.
void check_complete(const GroupAssignments& got, const std::vector<AssignorMember>& members,
                    const kwire::detail::PartitionCounts& counts) {
  std::map<TopicPartition, int> seen;
  for (const auto& [member_id, parts] : got) {
    const std::string& id = member_id;
    const auto m = std::find_if(members.begin(), members.end(), [&](const AssignorMember& x) { return x.member_id == id; });
    REQUIRE(m != members.end());
    for (const TopicPartition& tp : parts) {
      INFO(id << " got " << tp.topic << "/" << tp.partition);
      CHECK(std::find(m->topics.begin(), m->topics.end(), tp.topic) != m->topics.end());
      ++seen[tp];
    }
  }
  for (const auto& [topic, count] : counts) {
    bool subscribed = false;
    for (const auto& m : members) subscribed = subscribed || std::count(m.topics.begin(), m.topics.end(), topic);
    for (std::int32_t p = 0; p < count; ++p) CHECK(seen[TopicPartition{topic, p}] == (subscribed ? 1 : 0));
  }
}

}  // namespace

TEST_CASE("range assignor: Kafka's example and uneven ranges", "[consumer][assignor]") {
  std::vector<AssignorMember> members{member("C1", {"t0", "t1"}), member("C0", {"t0", "t1"})};
  auto got = kwire::detail::assign_range(members, {{"t0", 3}, {"t1", 3}});
  CHECK(got["C0"] == Parts{{"t0", 0}, {"t0", 1}, {"t1", 0}, {"t1", 1}});
  CHECK(got["C1"] == Parts{{"t0", 2}, {"t1", 2}});

  // 7 partitions over 3: 3, 2, 2; a member of another topic gets nothing here.
  members = {member("a", {"t"}), member("b", {"t"}), member("c", {"t"}), member("d", {"other"})};
  got = kwire::detail::assign_range(members, {{"t", 7}});
  CHECK(got["a"] == Parts{{"t", 0}, {"t", 1}, {"t", 2}});
  CHECK(got["b"] == Parts{{"t", 3}, {"t", 4}});
  CHECK(got["c"] == Parts{{"t", 5}, {"t", 6}});
  CHECK(got.at("d").empty());
}

TEST_CASE("roundrobin assignor: Kafka's examples", "[consumer][assignor]") {
  std::vector<AssignorMember> members{member("C0", {"t0", "t1"}), member("C1", {"t0", "t1"})};
  auto got = kwire::detail::assign_roundrobin(members, {{"t0", 3}, {"t1", 3}});
  CHECK(got["C0"] == Parts{{"t0", 0}, {"t0", 2}, {"t1", 1}});
  CHECK(got["C1"] == Parts{{"t0", 1}, {"t1", 0}, {"t1", 2}});

  // Unequal subscriptions: C0 [t0], C1 [t0 t1], C2 [t0 t1 t2]; t0..t2 with 1, 2, 3 partitions.
  members = {member("C0", {"t0"}), member("C1", {"t0", "t1"}), member("C2", {"t0", "t1", "t2"})};
  got = kwire::detail::assign_roundrobin(members, {{"t0", 1}, {"t1", 2}, {"t2", 3}});
  CHECK(got["C0"] == Parts{{"t0", 0}});
  CHECK(got["C1"] == Parts{{"t1", 0}});
  CHECK(got["C2"] == Parts{{"t1", 1}, {"t2", 0}, {"t2", 1}, {"t2", 2}});
}

TEST_CASE("assignors order static members first, by group.instance.id", "[consumer][assignor]") {
  // Member ids sort m-a < m-b < m-c, but the static ones come first, by instance id.
  std::vector<AssignorMember> members{member("m-a", {"t"}), member("m-b", {"t"}, "zz"), member("m-c", {"t"}, "aa")};
  auto got = kwire::detail::assign_range(members, {{"t", 3}});
  CHECK(got["m-c"] == Parts{{"t", 0}});
  CHECK(got["m-b"] == Parts{{"t", 1}});
  CHECK(got["m-a"] == Parts{{"t", 2}});
  got = kwire::detail::assign_roundrobin(members, {{"t", 4}});
  CHECK(got["m-c"] == Parts{{"t", 0}, {"t", 3}});
  CHECK(got["m-b"] == Parts{{"t", 1}});
  CHECK(got["m-a"] == Parts{{"t", 2}});
}

TEST_CASE("assignors hand out every subscribed partition exactly once", "[consumer][assignor]") {
  const kwire::detail::PartitionCounts counts{{"a", 5}, {"b", 1}, {"c", 12}, {"unsubscribed", 4}};
  for (int n = 1; n <= 7; ++n) {
    std::vector<AssignorMember> members;
    for (int i = 0; i < n; ++i) {
      std::vector<std::string> topics{"a"};
      if (i % 2 == 0) topics.push_back("c");
      if (i % 3 == 1) topics.push_back("b");
      if (i == n - 1) topics.push_back("not-in-metadata");
      members.push_back(member("member-" + std::to_string(i), topics, i % 4 == 3 ? std::optional<std::string>("s" + std::to_string(i)) : std::nullopt));
    }
    INFO(n << " members");
    check_complete(kwire::detail::assign_range(members, counts), members, counts);
    check_complete(kwire::detail::assign_roundrobin(members, counts), members, counts);
  }
  CHECK(kwire::detail::assign_range({}, counts).empty());
  CHECK(kwire::detail::assign_roundrobin({}, counts).empty());
}
