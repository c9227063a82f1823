// The range and round-robin assignors: the examples of Kafka's own assignor
// documentation, static members ordered first, and for a set of
// subscriptions every partition assigned exactly once, to a subscriber.
// The cooperative-sticky assignor: members keep what they own as far as
// balance allows, and withhold_moving() leaves a moving partition
// unassigned until its owner has given it up (KIP-429's two rounds).
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
  return AssignorMember{std::move(id), std::move(instance), std::move(topics), {}, -1};
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
    check_complete(kwire::detail::assign_cooperative_sticky(members, counts), members, counts);
  }
  CHECK(kwire::detail::assign_range({}, counts).empty());
  CHECK(kwire::detail::assign_cooperative_sticky({}, counts).empty());
  CHECK(kwire::detail::assign_roundrobin({}, counts).empty());
}

namespace {

AssignorMember owning(std::string id, std::vector<std::string> topics, Parts owned, std::int32_t generation = 1) {
  AssignorMember m = member(std::move(id), std::move(topics));
  m.owned = std::move(owned);
  m.generation = generation;
  return m;
}

std::size_t moved_from(const Parts& owned, const Parts& now) {
  std::size_t n = 0;
  for (const TopicPartition& tp : owned) n += std::count(now.begin(), now.end(), tp) == 0 ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("cooperative-sticky: a joining member takes only the partitions balance needs, in two rounds",
          "[consumer][assignor]") {
  const Parts all{{"t", 0}, {"t", 1}, {"t", 2}, {"t", 3}, {"t", 4}, {"t", 5}};
  // A owned all six; B joins owning nothing.
  std::vector<AssignorMember> members{owning("A", {"t"}, all), owning("B", {"t"}, {})};
  auto target = kwire::detail::assign_cooperative_sticky(members, {{"t", 6}});
  check_complete(target, members, {{"t", 6}});
  REQUIRE(target["A"].size() == 3);
  REQUIRE(target["B"].size() == 3);
  CHECK(moved_from(all, target["A"]) == 3);  // A gives up three, keeps three

  // Round one: B gets nothing A still owns; A's assignment leaves out the three that move.
  auto first = target;
  kwire::detail::withhold_moving(first, members);
  CHECK(first["A"] == target["A"]);
  CHECK(first["B"].empty());

  // Round two: A owns only its three now; B gets the others, A keeps its own.
  members = {owning("A", {"t"}, target["A"], 2), owning("B", {"t"}, {}, 2)};
  auto second = kwire::detail::assign_cooperative_sticky(members, {{"t", 6}});
  kwire::detail::withhold_moving(second, members);
  CHECK(second["A"] == target["A"]);
  CHECK(second["B"] == target["B"]);
}

TEST_CASE("cooperative-sticky: when a member leaves, the others keep theirs and share its partitions",
          "[consumer][assignor]") {
  std::vector<AssignorMember> members{owning("A", {"t"}, {{"t", 0}, {"t", 3}, {"t", 6}}),
                                      owning("B", {"t"}, {{"t", 1}, {"t", 4}, {"t", 7}}),
                                      owning("C", {"t"}, {{"t", 2}, {"t", 5}, {"t", 8}})};
  members.pop_back();  // C left
  auto got = kwire::detail::assign_cooperative_sticky(members, {{"t", 9}});
  check_complete(got, members, {{"t", 9}});
  CHECK(moved_from(members[0].owned, got["A"]) == 0);
  CHECK(moved_from(members[1].owned, got["B"]) == 0);
  CHECK(got["A"].size() + got["B"].size() == 9);
  CHECK(std::max(got["A"].size(), got["B"].size()) == 5);
  // Nobody else owns C's partitions: nothing to withhold, one round.
  auto after = got;
  kwire::detail::withhold_moving(after, members);
  CHECK(after == got);
}

TEST_CASE("cooperative-sticky: a partition claimed twice goes to the newer generation; unsubscribed topics are dropped",
          "[consumer][assignor]") {
  std::vector<AssignorMember> members{owning("A", {"t"}, {{"t", 0}, {"t", 1}}, 3),
                                      owning("Z", {"t", "u"}, {{"t", 0}, {"u", 0}}, 1)};  // Z: a zombie's stale claim on t-0
  members[0].topics = {"t"};
  auto got = kwire::detail::assign_cooperative_sticky(members, {{"t", 2}, {"u", 1}});
  check_complete(got, members, {{"t", 2}, {"u", 1}});
  CHECK(std::count(got["A"].begin(), got["A"].end(), TopicPartition{"t", 0}) == 1);
  CHECK(std::count(got["Z"].begin(), got["Z"].end(), TopicPartition{"u", 0}) == 1);

  // A member that no longer subscribes to a topic it owned does not keep it.
  members = {owning("A", {"u"}, {{"t", 0}, {"t", 1}}), owning("B", {"t"}, {})};
  got = kwire::detail::assign_cooperative_sticky(members, {{"t", 2}, {"u", 1}});
  CHECK(got["A"] == Parts{{"u", 0}});
  CHECK(got["B"] == Parts{{"t", 0}, {"t", 1}});
}

TEST_CASE("cooperative-sticky: a member holding its fair share keeps it while an overloaded one gives",
          "[consumer][assignor]") {
  // "a" sorts first and owns its share of six over three; "b" owns four, "c" nothing. Only "b" has
  // to give (found by tests/fuzz/group_assignment_fuzz: "a" gave up t-1 and got one of b's back).
  std::vector<AssignorMember> members{owning("a", {"t"}, {{"t", 0}, {"t", 1}}),
                                      owning("b", {"t"}, {{"t", 2}, {"t", 3}, {"t", 4}, {"t", 5}}),
                                      owning("c", {"t"}, {})};
  auto got = kwire::detail::assign_cooperative_sticky(members, {{"t", 6}});
  check_complete(got, members, {{"t", 6}});
  CHECK(got["a"] == Parts{{"t", 0}, {"t", 1}});
  CHECK(got["b"].size() == 2);
  CHECK(moved_from(members[1].owned, got["b"]) == 2);
  CHECK(got["c"].size() == 2);
}

TEST_CASE("withhold_moving: a partition two members claim goes to neither this round, whatever their order",
          "[consumer][assignor]") {
  // A (generation 3) keeps t-0 in the target; Z, a zombie of generation 1, still lists it as owned.
  std::vector<AssignorMember> members{owning("A", {"t"}, {{"t", 0}, {"t", 1}}, 3), owning("Z", {"t"}, {{"t", 0}}, 1)};
  const auto target = kwire::detail::assign_cooperative_sticky(members, {{"t", 2}});
  REQUIRE(std::count(target.at("A").begin(), target.at("A").end(), TopicPartition{"t", 0}) == 1);
  for (int reversed = 0; reversed < 2; ++reversed) {
    INFO((reversed ? "Z first" : "A first"));
    if (reversed) std::reverse(members.begin(), members.end());
    auto got = target;
    kwire::detail::withhold_moving(got, members);
    // Found by tests/fuzz/group_assignment_fuzz: with A listed first, A was given t-0 while Z still owned it.
    CHECK(std::count(got["A"].begin(), got["A"].end(), TopicPartition{"t", 0}) == 0);
    CHECK(std::count(got["Z"].begin(), got["Z"].end(), TopicPartition{"t", 0}) == 0);
  }
}
