// kwire::Consumer's group membership against the TxnBroker's group
// coordinator (tests/support/txn_broker_group_state.hpp), which keeps
// Kafka's classic-protocol rules and KIP-345 static membership where
// librdkafka's mock cluster ignores group.instance.id:
// - two static members split a topic; one closes (no LeaveGroup) and a new
//   consumer with its group.instance.id takes its place within the session:
//   same partitions, same generation, no callback on the other member, and
//   it reads on from the last commit;
// - a consumer started with a group.instance.id in use fences the first:
//   FENCED_INSTANCE_ID from its poll(), its partitions lost, its commits
//   refused, and it does not join again (which would fence the newcomer);
// - a static member that stops heartbeating leaves at the end of its
//   session and the survivor gets its partitions;
// - dynamic members join through MEMBER_ID_REQUIRED (KIP-394) and leave
//   with LeaveGroup.
// Every wait is on a condition with a deadline.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "consumer_reading.hpp"
#include "kwire/consumer.hpp"
#include "kwire/producer.hpp"
#include "kwire/protocol/errors.hpp"
#include "txn_broker.hpp"

using namespace std::chrono_literals;
using kwire::TopicPartition;

namespace consumer_static_membership_test {

constexpr std::int32_t kPartitions = 4;
using Clock = std::chrono::steady_clock;

std::string value_of(std::int32_t partition, std::int64_t offset) {
  return "p" + std::to_string(partition) + "-" + std::to_string(offset);
}

// Appends `count` records to every partition; a record's value names its offset
// when the partitions were written only through here.
void write(kwire::test::TxnBroker& broker, const std::string& topic, int count) {
  kwire::Producer producer({{"bootstrap.servers", broker.bootstrap()}, {"linger.ms", "1"}});
  for (std::int32_t p = 0; p < kPartitions; ++p) {
    const std::int64_t first = broker.high_watermark(topic, p);
    for (int i = 0; i < count; ++i) {
      const std::string value = value_of(p, first + i);
      kwire::Record r;
      r.topic = topic;
      r.partition = p;
      r.value = kwire::as_bytes(value);
      REQUIRE(producer.send(r).get().offset == first + i);
    }
  }
}

kwire::Properties member_props(const std::string& bootstrap, const std::string& group,
                               std::optional<std::string> instance, std::chrono::milliseconds session = 10s) {
  std::map<std::string, std::string> p{{"group.id", group},
                                       {"enable.auto.commit", "false"},
                                       {"session.timeout.ms", std::to_string(session.count())},
                                       {"heartbeat.interval.ms", "100"},
                                       {"max.poll.interval.ms", "30000"}};
  if (instance) p["group.instance.id"] = *instance;
  return kwire::test::base(bootstrap, std::move(p));
}

// One consumer of the group, with what its listener heard and what it read.
struct Member {
  std::unique_ptr<kwire::Consumer> consumer;
  std::vector<std::vector<TopicPartition>> assigned, revoked, lost;
  std::map<TopicPartition, std::vector<std::int64_t>> read;  // offsets, in the order read
  std::vector<std::error_code> errors;                       // every poll() error
  int bad_values = 0;

  Member(const kwire::Properties& props, const std::string& topic) : consumer(std::make_unique<kwire::Consumer>(props)) {
    kwire::RebalanceListener l;
    l.on_assigned = [this](const std::vector<TopicPartition>& p) { assigned.push_back(p); };
    l.on_revoked = [this](const std::vector<TopicPartition>& p) { revoked.push_back(p); };
    l.on_lost = [this](const std::vector<TopicPartition>& p) { lost.push_back(p); };
    REQUIRE(!consumer->subscribe({topic}, std::move(l)));
  }
  // The consumer goes first: its close() still calls the listener.
  ~Member() { consumer.reset(); }
  Member(const Member&) = delete;
  Member& operator=(const Member&) = delete;
  void poll(std::chrono::milliseconds timeout = 20ms) {
    const kwire::ConsumerRecords& records = consumer->poll(timeout);
    if (records.error()) errors.push_back(records.error());
    for (const kwire::ConsumerRecord& r : records) {
      read[{std::string(r.topic), r.partition}].push_back(r.offset);
      if (kwire::test::text(r.value) != value_of(r.partition, r.offset)) ++bad_values;
    }
  }
  int callbacks() const { return static_cast<int>(assigned.size() + revoked.size() + lost.size()); }
  std::set<TopicPartition> owned() const {
    auto a = consumer->assignment();
    return {a.begin(), a.end()};
  }
  // Stands at the high watermark of every partition it owns (positions, not
  // what it read: a partition owned again starts over at the commit).
  bool caught_up(const kwire::test::TxnBroker& broker) {
    for (const TopicPartition& tp : owned()) {
      std::int64_t at = -1;
      if (consumer->position(tp, at) || at < broker.high_watermark(tp.topic, tp.partition)) return false;
    }
    return true;
  }
};

// Polls every member in turn until `done` holds; false at the deadline.
bool poll_until(const std::vector<Member*>& members, const std::function<bool()>& done,
                std::chrono::seconds limit = 30s) {
  const auto deadline = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    for (Member* m : members) m->poll();
  }
  return true;
}

// The two members own every partition between them, none twice.
bool split(const Member& a, const Member& b, const std::string& topic) {
  const auto x = a.owned(), y = b.owned();
  if (x.empty() || y.empty()) return false;
  std::set<TopicPartition> all = x;
  for (const TopicPartition& tp : y)
    if (!all.insert(tp).second) return false;
  return static_cast<std::int32_t>(all.size()) == kPartitions && all.begin()->topic == topic;
}

bool stable(const kwire::test::TxnBroker& broker, const std::string& group) {
  auto g = broker.group(group);
  return g && g->state == "Stable";
}

std::string member_of(const kwire::test::TxnBroker& broker, const std::string& group, const std::string& instance) {
  auto g = broker.group(group);
  if (!g) return {};
  for (const auto& m : g->members)
    if (m.instance_id == instance) return m.member_id;
  return {};
}

kwire::CommitOffsets positions(kwire::Consumer& c) {
  kwire::CommitOffsets out;
  for (const TopicPartition& tp : c.assignment()) {
    std::int64_t at = -1;
    REQUIRE(!c.position(tp, at));
    out[tp].offset = at;
  }
  return out;
}

// Commits where `m` stands and checks the coordinator stored it.
void commit_positions(Member& m, const kwire::test::TxnBroker& broker, const std::string& group) {
  const kwire::CommitOffsets at = positions(*m.consumer);
  REQUIRE(!at.empty());
  const auto g = broker.group(group);
  for (const auto& [tp, o] : at) UNSCOPED_INFO("commit " << tp.topic << "-" << tp.partition << "@" << o.offset);
  UNSCOPED_INFO("group generation " << g->generation << ", " << g->state);
  REQUIRE(!m.consumer->commit(at));
  for (const auto& [tp, o] : at) REQUIRE(broker.committed_offset(group, tp.topic, tp.partition) == o.offset);
}

// A TxnBroker and the group's two first members `a` and `b` (start()).
struct TwoMembers {
  kwire::test::TxnBroker broker;
  std::unique_ptr<Member> a, b;

  // `topic` with 30 records in each partition; `a` and `b` (group.instance.id
  // `ia` and `ib`, none for nullopt) in `group`, stable, each having read all it owns.
  void start(const std::string& group, const std::string& topic, std::optional<std::string> ia,
             std::optional<std::string> ib, std::chrono::milliseconds session = 10s) {
    broker.create_topic(topic, kPartitions);
    write(broker, topic, 30);
    a = std::make_unique<Member>(member_props(broker.bootstrap(), group, ia, session), topic);
    b = std::make_unique<Member>(member_props(broker.bootstrap(), group, ib, session), topic);
    REQUIRE(poll_until({a.get(), b.get()}, [&] {
      return split(*a, *b, topic) && stable(broker, group) && a->caught_up(broker) && b->caught_up(broker);
    }));
    CHECK(a->errors.empty());
    CHECK(b->errors.empty());
  }
};

// `m` read offsets 30..39 of each of `partitions` once, in order: the ten
// records written after the commit at 30.
void check_read_on_from_30(Member& m, const std::set<TopicPartition>& partitions) {
  for (const TopicPartition& tp : partitions) {
    INFO(tp.topic << "-" << tp.partition);
    std::vector<std::int64_t> want;
    for (std::int64_t o = 30; o < 40; ++o) want.push_back(o);
    CHECK(m.read[tp] == want);
  }
}

// The test cases stay in the namespace: unity builds put files together.

TEST_CASE_METHOD(TwoMembers,
                 "Static member restarted within its session gets its partitions back with no rebalance",
                 "[consumer][group][static]") {
  start("restart-group", "restart", "instance-a", "instance-b");
  const auto before = broker.group("restart-group");
  REQUIRE(before);
  const std::set<TopicPartition> a_owned = a->owned(), b_owned = b->owned();
  const std::string old_id = member_of(broker, "restart-group", "instance-a");
  commit_positions(*a, broker, "restart-group");  // 30 in each of a's partitions
  const int b_callbacks = b->callbacks();
  b->read.clear();

  // Read past the commit, then close: a static member sends no LeaveGroup.
  write(broker, "restart", 10);
  REQUIRE(poll_until({a.get(), b.get()}, [&] { return a->caught_up(broker) && b->caught_up(broker); }));
  a->consumer->close();
  CHECK(broker.group_counters().leave_group_members == 0);

  Member again(member_props(broker.bootstrap(), "restart-group", "instance-a"), "restart");
  REQUIRE(poll_until({&again, b.get()}, [&] { return !again.owned().empty() && again.caught_up(broker); }));
  CHECK(again.owned() == a_owned);
  CHECK(b->owned() == b_owned);
  CHECK(b->callbacks() == b_callbacks);  // no revoke, no assign: the other member saw nothing
  CHECK(again.assigned.size() == 1);
  CHECK(again.revoked.empty());
  CHECK(again.lost.empty());
  CHECK(again.errors.empty());
  CHECK(again.bad_values == 0);
  const auto after = broker.group("restart-group");
  REQUIRE(after);
  CHECK(after->generation == before->generation);
  CHECK(after->rebalances == before->rebalances);
  CHECK(after->state == "Stable");
  CHECK(after->members.size() == 2);
  CHECK(broker.group_counters().static_replacements == 1);
  const std::string new_id = member_of(broker, "restart-group", "instance-a");
  CHECK(!new_id.empty());
  CHECK(new_id != old_id);
  // It read on from the commit (30): offsets 30..39 of each of its partitions, once each.
  check_read_on_from_30(again, a_owned);
  // Its commits carry the new member id and the unchanged generation.
  REQUIRE(!again.consumer->commit(positions(*again.consumer)));
  for (const TopicPartition& tp : a_owned) CHECK(broker.committed_offset("restart-group", tp.topic, tp.partition).value_or(-1) == 40);
}

TEST_CASE_METHOD(TwoMembers, "A consumer joining with a group.instance.id in use fences the first, which stops",
                 "[consumer][group][static]") {
  start("fence-group", "fence", "instance-a", "instance-b");
  const std::set<TopicPartition> a_owned = a->owned();
  commit_positions(*a, broker, "fence-group");
  const auto before = broker.group("fence-group");
  const int b_callbacks = b->callbacks();
  a->read.clear();

  Member usurper(member_props(broker.bootstrap(), "fence-group", "instance-a"), "fence");
  // The first member hears of it at its next heartbeat.
  REQUIRE(poll_until({a.get(), b.get(), &usurper}, [&] { return !a->errors.empty() && !usurper.owned().empty(); }));
  REQUIRE(a->errors.size() == 1);
  CHECK(a->errors[0] == kwire::protocol::kafka_errc::fenced_instance_id);
  REQUIRE(a->lost.size() == 1);
  CHECK(std::set<TopicPartition>(a->lost[0].begin(), a->lost[0].end()) == a_owned);
  CHECK(a->owned().empty());
  CHECK(usurper.owned() == a_owned);

  // More records: the newcomer and b read them; the fenced member reads
  // nothing, joins no more and its commits are refused.
  write(broker, "fence", 10);
  REQUIRE(poll_until({a.get(), b.get(), &usurper}, [&] { return usurper.caught_up(broker) && b->caught_up(broker); }));
  kwire::CommitOffsets stale;
  for (const TopicPartition& tp : a_owned) stale[tp].offset = 5;
  CHECK(a->consumer->commit(stale) == kwire::protocol::kafka_errc::fenced_instance_id);
  for (const TopicPartition& tp : a_owned) CHECK(broker.committed_offset("fence-group", tp.topic, tp.partition).value_or(-1) == 30);
  REQUIRE(!usurper.consumer->commit(positions(*usurper.consumer)));
  for (const TopicPartition& tp : a_owned) CHECK(broker.committed_offset("fence-group", tp.topic, tp.partition).value_or(-1) == 40);

  const auto after = broker.group("fence-group");
  REQUIRE(after);
  CHECK(after->generation == before->generation);
  CHECK(broker.group_counters().static_replacements == 1);  // the fenced member did not take its place back
  CHECK(a->errors.size() == 1);
  CHECK(a->read.empty());
  CHECK(a->owned().empty());
  CHECK(usurper.errors.empty());
  CHECK(usurper.lost.empty());
  CHECK(b->callbacks() == b_callbacks);
  CHECK(b->errors.empty());
}

TEST_CASE_METHOD(
    TwoMembers,
    "A static member that stops heartbeating leaves at the end of its session; the survivor takes its partitions",
    "[consumer][group][static]") {
  constexpr auto kSession = 2000ms;
  start("expiry-group", "expiry", "instance-a", "instance-b", kSession);
  const std::set<TopicPartition> a_owned = a->owned();
  commit_positions(*a, broker, "expiry-group");
  const std::size_t b_revoked = b->revoked.size();
  b->read.clear();
  write(broker, "expiry", 10);
  const auto closed_at = Clock::now();
  a->consumer->close();  // no LeaveGroup, no more heartbeats
  CHECK(broker.group("expiry-group")->members.size() == 2);

  REQUIRE(poll_until({b.get()}, [&] { return static_cast<std::int32_t>(b->owned().size()) == kPartitions &&
                                             b->caught_up(broker); }));
  // Not before the session ended (counted from its last heartbeat, at most
  // an interval before the close): the coordinator waited for it to come back.
  CHECK(Clock::now() - closed_at >= kSession - 500ms);
  const auto counters = broker.group_counters();
  CHECK(counters.session_expiries == 1);
  CHECK(counters.leave_group_members == 0);
  const auto g = broker.group("expiry-group");
  REQUIRE(g);
  REQUIRE(g->members.size() == 1);
  CHECK(g->members[0].instance_id == "instance-b");
  CHECK(b->revoked.size() > b_revoked);  // an ordinary rebalance
  CHECK(b->lost.empty());
  CHECK(b->errors.empty());
  // a's partitions were read on from a's commit (30), once each.
  check_read_on_from_30(*b, a_owned);
}

TEST_CASE_METHOD(TwoMembers, "Dynamic members join through MEMBER_ID_REQUIRED and leave with LeaveGroup",
                 "[consumer][group][static]") {
  constexpr auto kSession = 60s;  // far beyond the wait: only LeaveGroup can hand the partitions over
  start("dynamic-group", "dynamic", std::nullopt, std::nullopt, kSession);
  CHECK(broker.group_counters().member_id_required >= 2);  // each joined with the id it was given
  auto g = broker.group("dynamic-group");
  REQUIRE(g);
  for (const auto& m : g->members) CHECK(!m.instance_id);
  const std::set<TopicPartition> a_owned = a->owned();
  commit_positions(*a, broker, "dynamic-group");
  b->read.clear();
  write(broker, "dynamic", 10);
  a->consumer->close();
  CHECK(broker.group_counters().leave_group_members == 1);
  REQUIRE(poll_until({b.get()}, [&] { return static_cast<std::int32_t>(b->owned().size()) == kPartitions &&
                                             b->caught_up(broker); }));
  CHECK(broker.group_counters().session_expiries == 0);
  for (const TopicPartition& tp : a_owned) CHECK(b->read[tp].front() == 30);
  CHECK(b->errors.empty());
}

}  // namespace consumer_static_membership_test
