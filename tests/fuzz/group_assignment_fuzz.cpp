// Fuzz target for what the other members of a classic consumer group send
// us: their subscriptions (ConsumerProtocol Subscription v0-v3, read by the
// leader from the JoinGroup answer) and the assignment the leader wrote
// (ConsumerProtocol Assignment, read from the SyncGroup answer); then, as
// the leader does (group_join.cpp's assign_as_leader), the assignor run
// over the members whose subscription decoded.
// Input: byte 0 picks the assignor (bits 0-1: range, roundrobin,
// cooperative-sticky; 3 is cooperative-sticky too) and which of the first
// six members are static (bits 2-7, each with its own group.instance.id);
// byte 1 the number of topics in the metadata (1-4, named "a".."d") and
// bytes 2.. their partition counts (0-8); the rest is chunks, each a length
// byte and that many bytes (the last one cut short by the end of the input):
// the first the assignment bytes, the others (up to 8) one member's
// subscription bytes each, the member ids "m0".."m7" in that order.
// Checks:
// - a decoder either refuses the bytes or gives a value that, encoded at
//   the version it was read as (the newest known for a newer one), decodes
//   to the same value (owned/assigned partitions compared as the multiset
//   the wire groups by topic) and encodes to the same bytes again;
// - every assignor: every partition of a metadata topic someone subscribes
//   to goes to exactly one member, one subscribed to its topic; nothing of
//   an unknown topic or out of range; every member has an entry; the result
//   does not depend on the order the members came in;
// - cooperative-sticky (assignors.hpp's promises): balanced, i.e. no member
//   has two more partitions than another that could take one of them; when
//   every member subscribes to the same topics, a member claiming no more
//   valid partitions than its fair share (total / members, rounded down)
//   keeps every one of them that nobody else claims; withhold_moving()
//   drops from each assignment exactly the partitions another member lists
//   as owned, so none is given to a member while another still owns it.
// On a violation the target prints it and aborts.
// Not covered here: the JoinGroup/SyncGroup exchange itself and what the
// consumer does with its assignment (the mock and threads tests).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "consumer/assignors.hpp"
#include "consumer/consumer_protocol.hpp"

namespace group_assignment_fuzz {

using kwire::TopicPartition;
using kwire::detail::AssignorMember;
using kwire::detail::GroupAssignment;
using kwire::detail::GroupAssignments;
using kwire::detail::GroupSubscription;
using kwire::detail::PartitionCounts;
using Parts = std::vector<TopicPartition>;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "group_assignment_fuzz: %s\n", what.c_str());
  std::abort();
}

std::string str(const TopicPartition& tp) { return tp.topic + "/" + std::to_string(tp.partition); }

Parts sorted(Parts p) {
  std::sort(p.begin(), p.end());
  return p;
}

// The version a payload is read as: its prefix, the newest known above that.
std::int16_t read_version(const std::vector<std::uint8_t>& bytes) {
  const auto v = static_cast<std::int16_t>((bytes[0] << 8) | bytes[1]);
  return std::min<std::int16_t>(v, 3);
}

void check_subscription(const std::vector<std::uint8_t>& bytes, const GroupSubscription& s) {
  const std::int16_t version = read_version(bytes);
  const auto again = kwire::detail::encode_subscription(s, version);
  GroupSubscription back;
  if (kwire::detail::decode_subscription(again, back)) fail("a decoded subscription, encoded again, does not decode");
  if (back.topics != s.topics) fail("subscription round trip changed the topics");
  if (back.user_data != s.user_data) fail("subscription round trip changed the user data");
  if (sorted(back.owned) != sorted(s.owned)) fail("subscription round trip changed the owned partitions");
  if (back.generation != s.generation) fail("subscription round trip changed the generation");
  if (back.rack != s.rack) fail("subscription round trip changed the rack");
  if (kwire::detail::encode_subscription(back, version) != again) fail("subscription encodes differently after a round trip");
}

void check_assignment(const std::vector<std::uint8_t>& bytes) {
  GroupAssignment a;
  if (kwire::detail::decode_assignment(bytes, a)) return;
  const std::int16_t version = read_version(bytes);
  const auto again = kwire::detail::encode_assignment(a, version);
  GroupAssignment back;
  if (kwire::detail::decode_assignment(again, back)) fail("a decoded assignment, encoded again, does not decode");
  if (sorted(back.partitions) != sorted(a.partitions)) fail("assignment round trip changed the partitions");
  if (back.user_data != a.user_data) fail("assignment round trip changed the user data");
  if (kwire::detail::encode_assignment(back, version) != again) fail("assignment encodes differently after a round trip");
}

bool subscribes(const AssignorMember& m, const std::string& topic) {
  return std::find(m.topics.begin(), m.topics.end(), topic) != m.topics.end();
}

bool owns(const AssignorMember& m, const TopicPartition& tp) {
  return std::find(m.owned.begin(), m.owned.end(), tp) != m.owned.end();
}

// Every subscribed partition exactly once, to a subscriber; nothing else.
void check_complete(const GroupAssignments& got, const std::vector<AssignorMember>& members,
                    const PartitionCounts& counts, const char* assignor) {
  const std::string name = assignor;
  if (got.size() != members.size()) fail(name + ": not one entry per member");
  std::map<TopicPartition, int> seen;
  for (const AssignorMember& m : members) {
    auto it = got.find(m.member_id);
    if (it == got.end()) fail(name + ": no entry for " + m.member_id);
    for (const TopicPartition& tp : it->second) {
      auto c = counts.find(tp.topic);
      if (c == counts.end() || tp.partition < 0 || tp.partition >= c->second)
        fail(name + ": " + m.member_id + " got " + str(tp) + ", not in the metadata");
      if (!subscribes(m, tp.topic)) fail(name + ": " + m.member_id + " got " + str(tp) + " without subscribing");
      if (++seen[tp] > 1) fail(name + ": " + str(tp) + " assigned twice");
    }
  }
  for (const auto& [topic, count] : counts) {
    bool subscribed = false;
    for (const AssignorMember& m : members) subscribed = subscribed || subscribes(m, topic);
    if (!subscribed) continue;
    for (std::int32_t p = 0; p < count; ++p)
      if (!seen.count({topic, p})) fail(name + ": " + str({topic, p}) + " assigned to nobody");
  }
}

void check_sticky(const GroupAssignments& target, const std::vector<AssignorMember>& members,
                  const PartitionCounts& counts) {
  // Balanced: no member has two more than another that could take one of them.
  for (const AssignorMember& from : members)
    for (const AssignorMember& to : members) {
      const Parts& a = target.at(from.member_id);
      if (a.size() < target.at(to.member_id).size() + 2) continue;
      for (const TopicPartition& tp : a)
        if (subscribes(to, tp.topic))
          fail("cooperative-sticky: " + from.member_id + " has " + std::to_string(a.size()) + ", " + to.member_id +
               " only " + std::to_string(target.at(to.member_id).size()) + " and could take " + str(tp));
    }

  // Stickiness, when every member subscribes to the same topics (of those with partitions).
  std::set<std::string> live;
  for (const auto& [topic, count] : counts)
    if (count > 0) live.insert(topic);
  auto live_topics = [&](const AssignorMember& m) {
    std::set<std::string> out;
    for (const std::string& t : m.topics)
      if (live.count(t)) out.insert(t);
    return out;
  };
  if (members.empty()) return;
  const auto topics = live_topics(members[0]);
  for (const AssignorMember& m : members)
    if (live_topics(m) != topics) return;
  std::size_t total = 0;
  for (const std::string& t : topics) total += static_cast<std::size_t>(counts.at(t));
  const std::size_t fair = total / members.size();
  auto valid = [&](const TopicPartition& tp) {
    return topics.count(tp.topic) && tp.partition >= 0 && tp.partition < counts.at(tp.topic);
  };
  for (const AssignorMember& m : members) {
    std::set<TopicPartition> claims;
    for (const TopicPartition& tp : m.owned)
      if (valid(tp)) claims.insert(tp);
    if (claims.size() > fair) continue;
    const Parts& got = target.at(m.member_id);
    for (const TopicPartition& tp : claims) {
      bool contested = false;
      for (const AssignorMember& other : members) contested = contested || (&other != &m && owns(other, tp));
      if (!contested && std::find(got.begin(), got.end(), tp) == got.end())
        fail("cooperative-sticky: " + m.member_id + " claims " + std::to_string(claims.size()) + " of fair share " +
             std::to_string(fair) + " but lost its own " + str(tp));
    }
  }
}

void check_withheld(const GroupAssignments& target, const GroupAssignments& final_,
                    const std::vector<AssignorMember>& members) {
  for (const AssignorMember& m : members) {
    Parts expected;
    for (const TopicPartition& tp : target.at(m.member_id)) {
      bool elsewhere = false;
      for (const AssignorMember& other : members) elsewhere = elsewhere || (&other != &m && owns(other, tp));
      if (!elsewhere) expected.push_back(tp);
    }
    const Parts& got = final_.at(m.member_id);
    if (got == expected) continue;
    for (const TopicPartition& tp : got)
      if (std::find(expected.begin(), expected.end(), tp) == expected.end())
        fail("withhold_moving: " + m.member_id + " is given " + str(tp) + " that another member still owns");
    fail("withhold_moving: " + m.member_id + " lost a partition nobody else owns");
  }
}

GroupAssignments run(int assignor, const std::vector<AssignorMember>& members, const PartitionCounts& counts) {
  if (assignor == 0) return kwire::detail::assign_range(members, counts);
  if (assignor == 1) return kwire::detail::assign_roundrobin(members, counts);
  GroupAssignments out = kwire::detail::assign_cooperative_sticky(members, counts);
  kwire::detail::withhold_moving(out, members);
  return out;
}

}  // namespace group_assignment_fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace group_assignment_fuzz;
  if (size < 2) return 0;
  const int assignor = std::min(data[0] & 3, 2);
  const unsigned statics = data[0] >> 2;
  const std::size_t ntopics = (data[1] & 3) + 1u;
  if (size < 2 + ntopics) return 0;
  PartitionCounts counts;
  for (std::size_t t = 0; t < ntopics; ++t) counts[std::string(1, static_cast<char>('a' + t))] = data[2 + t] % 9;
  std::size_t at = 2 + ntopics;

  std::vector<std::vector<std::uint8_t>> chunks;
  while (at < size && chunks.size() < 9) {
    const std::size_t n = std::min<std::size_t>(data[at], size - at - 1);
    chunks.emplace_back(data + at + 1, data + at + 1 + n);
    at += 1 + n;
  }
  if (chunks.empty()) return 0;

  check_assignment(chunks[0]);

  std::vector<AssignorMember> members;
  for (std::size_t i = 1; i < chunks.size(); ++i) {
    GroupSubscription s;
    if (kwire::detail::decode_subscription(chunks[i], s)) continue;
    check_subscription(chunks[i], s);
    AssignorMember m;
    m.member_id = "m" + std::to_string(i - 1);
    // Static members' instance ids sort the other way round from their member ids.
    if (i - 1 < 6 && (statics >> (i - 1)) & 1) m.instance_id = "s" + std::to_string(9 - i);
    m.topics = std::move(s.topics);
    m.owned = std::move(s.owned);
    m.generation = s.generation;
    members.push_back(std::move(m));
  }

  static const char* const names[] = {"range", "roundrobin", "cooperative-sticky"};
  const GroupAssignments got = run(assignor, members, counts);
  std::vector<AssignorMember> reversed(members.rbegin(), members.rend());
  if (run(assignor, reversed, counts) != got)
    fail(std::string(names[assignor]) + ": the result depends on the order of the members");
  if (assignor < 2) {
    check_complete(got, members, counts, names[assignor]);
    return 0;
  }
  const GroupAssignments target = kwire::detail::assign_cooperative_sticky(members, counts);
  check_complete(target, members, counts, names[assignor]);
  check_sticky(target, members, counts);
  check_withheld(target, got, members);
  return 0;
}
