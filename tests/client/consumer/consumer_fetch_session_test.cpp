// KIP-227 fetch sessions end to end against the TxnBroker, which keeps
// sessions as Kafka's FetchSessionCache does (librdkafka's mock opens none:
// fetch_session_mock_test.cpp). The records are written by librdkafka; kwire's
// consumer must read each exactly once and in order while its Fetch requests
// are incremental, which the broker's record of every Fetch shows: the
// session created once, each later request naming only partitions that are
// new or whose offset moved, forgetting those no longer fetched, epochs up by
// one. Then the broker evicts the session, skews its epoch, refuses sessions,
// and the consumer seeks, pauses, changes its assignment, follows a leader
// move and reads read_committed over a session.
#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "consumer_reading.hpp"
#include "kwire/consumer.hpp"
#include "rdkafka_producer.hpp"
#include "txn_broker.hpp"
#include "txn_broker_librdkafka.hpp"

namespace kwire::test::fetch_session_broker {

using namespace std::chrono_literals;
using Key = std::pair<std::string, std::int32_t>;

constexpr std::int16_t kNotFound = 70;      // FETCH_SESSION_ID_NOT_FOUND
constexpr std::int16_t kInvalidEpoch = 71;  // INVALID_FETCH_SESSION_EPOCH

std::vector<PeerRecord> named(const std::string& prefix, int first, int count) {
  std::vector<PeerRecord> out(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) out[static_cast<std::size_t>(i)].value = prefix + std::to_string(first + i);
  return out;
}

// Writes `count` records "<topic>-<p>-<i>" (i from `first`) to each partition.
void write_each(TxnBroker& broker, const std::string& topic, std::vector<std::int32_t> partitions, int first,
                int count) {
  RdkafkaProducer producer(broker.bootstrap(), {{"linger.ms", "0"}});
  for (auto p : partitions) producer.write(topic, p, named(topic + "-" + std::to_string(p) + "-", first, count));
}

// Records read, per partition, in the order poll() gave them.
using ByPartition = std::map<std::int32_t, std::vector<Copied>>;
ByPartition by_partition(const std::vector<Copied>& records) {
  ByPartition out;
  for (const auto& r : records) out[r.partition].push_back(r);
  return out;
}

// Partition p's records are exactly offsets [from, to) with their values.
void check_exactly(const std::vector<Copied>& got, const std::string& topic, std::int32_t p, std::int64_t from,
                   std::int64_t to) {
  INFO(topic << "-" << p);
  REQUIRE(got.size() == static_cast<std::size_t>(to - from));
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("record " << i);
    CHECK(got[i].offset == from + static_cast<std::int64_t>(i));
    CHECK(got[i].value == topic + "-" + std::to_string(p) + "-" + std::to_string(from + static_cast<std::int64_t>(i)));
  }
}

// What the broker's record of one node's Fetch requests says about the
// client's sessions, checked request by request against KIP-227.
struct SessionReport {
  int created = 0;      // full requests answered with a new session
  int incremental = 0;  // incremental requests the broker served
  int closes = 0;       // requests with epoch -1
  std::vector<std::string> problems;
};

SessionReport check_sessions(const std::vector<TxnFetchSeen>& seen, std::int32_t node) {
  SessionReport out;
  std::int32_t open_id = 0, expected_epoch = 0;
  bool restart = false;  // an error answered: the next request must be full
  std::map<Key, std::int64_t> view;  // the session's partitions and offsets, as the client last sent them
  int n = 0;
  for (const TxnFetchSeen& f : seen) {
    if (f.node != node || f.version < 7) continue;
    const std::string at = "fetch " + std::to_string(n++) + " (session " + std::to_string(f.session_id) +
                           ", epoch " + std::to_string(f.session_epoch) + "): ";
    if (f.session_epoch == -1) {
      ++out.closes;
      if (!f.sent.empty()) out.problems.push_back(at + "a close names partitions");
      open_id = 0;
      view.clear();
      continue;
    }
    if (f.session_epoch == 0) {
      if (f.session_id != 0 && f.session_id != open_id) out.problems.push_back(at + "closes a session it did not have");
      view.clear();
      for (const auto& p : f.sent) view[{p.topic, p.partition}] = p.fetch_offset;
      restart = false;
      open_id = f.error_code == 0 ? f.answer_session_id : 0;
      expected_epoch = 1;
      if (open_id != 0) ++out.created;
      continue;
    }
    if (restart) out.problems.push_back(at + "incremental right after a session error");
    if (f.session_id != open_id) out.problems.push_back(at + "not the open session " + std::to_string(open_id));
    if (f.session_epoch != expected_epoch)
      out.problems.push_back(at + "epoch not the next one, " + std::to_string(expected_epoch));
    if (f.error_code != 0) {
      restart = true;
      continue;
    }
    ++out.incremental;
    for (const auto& p : f.sent) {
      auto it = view.find({p.topic, p.partition});
      if (it != view.end() && it->second == p.fetch_offset)
        out.problems.push_back(at + "names " + p.topic + "-" + std::to_string(p.partition) + " unchanged at " +
                               std::to_string(p.fetch_offset));
      view[{p.topic, p.partition}] = p.fetch_offset;
    }
    for (const auto& k : f.forgotten) {
      if (!view.erase(k)) out.problems.push_back(at + "forgets " + k.first + "-" + std::to_string(k.second) + ", not in the session");
    }
    expected_epoch = expected_epoch == 0x7fffffff ? 1 : expected_epoch + 1;
    if (f.answer_session_id != open_id) open_id = 0;
  }
  return out;
}

void require_clean(const SessionReport& r) {
  for (const auto& p : r.problems) FAIL_CHECK(p);
  CHECK(r.problems.empty());
}

std::vector<TxnFetchSeen> incremental_only(const std::vector<TxnFetchSeen>& seen) {
  std::vector<TxnFetchSeen> out;
  for (const auto& f : seen)
    if (f.incremental) out.push_back(f);
  return out;
}

bool names(const std::vector<TxnFetchPartitionSeen>& ps, const std::string& topic, std::int32_t p) {
  for (const auto& x : ps)
    if (x.topic == topic && x.partition == p) return true;
  return false;
}

Properties fast(const std::string& bootstrap, std::map<std::string, std::string> extra = {}) {
  extra.emplace("fetch.max.wait.ms", "50");
  return base(bootstrap, std::move(extra));
}

// A broker whose topic has `partitions` partitions with `count` records each
// (values "<topic>-<p>-<i>"), and a consumer assigned all of them that has
// read every record, each exactly once and in order.
struct ReadAll {
  TxnBroker broker;
  std::string topic;
  int partitions;
  kwire::Consumer consumer;

  ReadAll(std::string name, int partition_count, int count, TxnBrokerOptions options = {}, bool sessions = true)
      : broker(options), topic(std::move(name)), partitions(partition_count), consumer(fast(broker.bootstrap())) {
    broker.set_fetch_sessions(sessions);
    broker.create_topic(topic, partitions);
    std::vector<kwire::TopicPartition> assigned;
    for (std::int32_t p = 0; p < partitions; ++p) assigned.push_back({topic, p});
    consumer.assign(assigned);
    more(all(), 0, count);
  }
  std::vector<std::int32_t> all() const {
    std::vector<std::int32_t> out;
    for (std::int32_t p = 0; p < partitions; ++p) out.push_back(p);
    return out;
  }
  // Writes records [first, first + count) to `to` and reads exactly them back
  // (from those partitions only); nothing more comes.
  void more(const std::vector<std::int32_t>& to, int first, int count) {
    write_each(broker, topic, to, first, count);
    auto got = by_partition(kwire::test::read(consumer, to.size() * static_cast<std::size_t>(count)));
    CHECK(got.size() == to.size());
    for (auto p : to) check_exactly(got[p], topic, p, first, first + count);
    CHECK(consumer.poll(300ms).empty());
  }
};

// The cases stay in the namespace: a unity group shares one translation unit.

TEST_CASE("Fetch session: several partitions read exactly once and in order over incremental requests",
          "[consumer][session]") {
  ReadAll run("sess", 3, 20);
  // New records in partition 1 only: the requests after them name only it.
  run.more({1}, 20, 10);

  const auto seen = run.broker.fetches_seen();
  const auto report = check_sessions(seen, 1);
  require_clean(report);
  CHECK(report.created == 1);
  CHECK(report.incremental >= 3);
  CHECK(run.broker.open_fetch_sessions() == 1);
  REQUIRE(!seen.empty());
  CHECK(seen.front().session_id == 0);
  CHECK(seen.front().session_epoch == 0);
  CHECK(seen.front().sent.size() == 3);
  bool idle = false, only_one = false;
  for (const auto& f : incremental_only(seen)) {
    idle = idle || (f.sent.empty() && f.forgotten.empty());
    for (const auto& p : f.sent)
      if (p.fetch_offset > 20) {
        // Only partition 1 moved past 20: nothing else may ride along.
        CHECK(f.sent.size() == 1);
        CHECK(p.partition == 1);
        only_one = true;
      }
  }
  CHECK(idle);      // a request naming nothing (the session holds every partition)
  CHECK(only_one);  // partition 1's new offset sent alone
}

TEST_CASE("Fetch session: an evicted session (FETCH_SESSION_ID_NOT_FOUND) is replaced by a full fetch, nothing lost or doubled",
          "[consumer][session]") {
  ReadAll run("evict", 2, 10);
  REQUIRE(run.broker.open_fetch_sessions() == 1);
  run.broker.evict_fetch_sessions();
  run.more(run.all(), 10, 10);
  const auto seen = run.broker.fetches_seen();
  const auto report = check_sessions(seen, 1);
  require_clean(report);
  CHECK(report.created == 2);
  // The request after the error starts over: no session named, every partition.
  bool restarted = false;
  for (std::size_t i = 0; i + 1 < seen.size(); ++i) {
    if (seen[i].error_code != kNotFound) continue;
    CHECK(seen[i + 1].session_id == 0);
    CHECK(seen[i + 1].session_epoch == 0);
    CHECK(seen[i + 1].sent.size() == 2);
    CHECK(seen[i + 1].answer_session_id != 0);
    restarted = true;
  }
  CHECK(restarted);
}

TEST_CASE("Fetch session: a wrong epoch (INVALID_FETCH_SESSION_EPOCH) closes the session and opens a new one",
          "[consumer][session]") {
  ReadAll run("epoch", 2, 10);
  run.broker.skew_fetch_session_epochs();
  run.more(run.all(), 10, 10);
  const auto seen = run.broker.fetches_seen();
  bool reopened = false;
  for (std::size_t i = 0; i + 1 < seen.size(); ++i) {
    if (seen[i].error_code != kInvalidEpoch) continue;
    // Java's nextCloseExisting: the old id with epoch 0, a full fetch.
    CHECK(seen[i + 1].session_id == seen[i].session_id);
    CHECK(seen[i + 1].session_epoch == 0);
    CHECK(seen[i + 1].sent.size() == 2);
    CHECK(seen[i + 1].answer_session_id != 0);
    CHECK(seen[i + 1].answer_session_id != seen[i].session_id);
    reopened = true;
  }
  CHECK(reopened);
  CHECK(run.broker.open_fetch_sessions() == 1);  // the old one closed
  const auto report = check_sessions(seen, 1);
  require_clean(report);
  CHECK(report.created == 2);
}

TEST_CASE("Fetch session: a broker refusing sessions gets full fetches that read everything",
          "[consumer][session]") {
  ReadAll run("nosess", 2, 15, {}, false);
  run.more({1}, 15, 5);
  const auto seen = run.broker.fetches_seen();
  REQUIRE(seen.size() >= 3);
  for (const auto& f : seen) {
    CHECK(f.session_id == 0);
    CHECK(f.session_epoch == 0);  // asking each time, as Java's client does
    CHECK(f.answer_session_id == 0);
    CHECK(!f.incremental);
    CHECK(f.sent.size() == 2);  // full: every partition every time
  }
  CHECK(run.broker.open_fetch_sessions() == 0);
}

TEST_CASE("Fetch session: pause forgets a partition, resume adds it back, seek and a smaller assignment are sent",
          "[consumer][session]") {
  ReadAll run("ctl", 3, 10);
  kwire::Consumer& consumer = run.consumer;
  const std::vector<kwire::TopicPartition> one{{"ctl", 1}};
  REQUIRE(!consumer.pause(one));
  write_each(run.broker, "ctl", {1}, 10, 5);
  run.more({0, 2}, 10, 5);  // partition 1's new records do not come
  bool forgotten = false;
  for (const auto& f : run.broker.fetches_seen())
    for (const auto& k : f.forgotten) forgotten = forgotten || (k.first == "ctl" && k.second == 1);
  CHECK(forgotten);

  REQUIRE(!consumer.resume(one));
  auto resumed = by_partition(kwire::test::read(consumer, 5));
  check_exactly(resumed[1], "ctl", 1, 10, 15);

  REQUIRE(!consumer.seek({"ctl", 0}, 3));
  auto again = by_partition(kwire::test::read(consumer, 12));
  check_exactly(again[0], "ctl", 0, 3, 15);

  consumer.assign({{"ctl", 2}});
  write_each(run.broker, "ctl", {0, 1}, 15, 5);
  run.more({2}, 15, 5);

  const auto seen = run.broker.fetches_seen();
  const auto report = check_sessions(seen, 1);
  require_clean(report);
  CHECK(report.created == 1);  // all of it in one session
  bool resume_added = false, seek_sent = false, shrink_forgot = false;
  for (const auto& f : incremental_only(seen)) {
    for (const auto& p : f.sent) {
      resume_added = resume_added || (p.partition == 1 && p.fetch_offset == 10);
      seek_sent = seek_sent || (p.partition == 0 && p.fetch_offset == 3);
    }
    std::set<std::int32_t> gone;
    for (const auto& k : f.forgotten) gone.insert(k.second);
    shrink_forgot = shrink_forgot || gone == std::set<std::int32_t>{0, 1};
  }
  CHECK(resume_added);
  CHECK(seek_sent);
  CHECK(shrink_forgot);
}

TEST_CASE("Fetch session: a partition whose leader moves leaves the old broker's session, which is closed",
          "[consumer][session]") {
  ReadAll run("moves", 2, 10, {.nodes = 2});  // partition 0 on node 1, 1 on node 2
  REQUIRE(run.broker.leader("moves", 1) == 2);
  REQUIRE(run.broker.open_fetch_sessions(1) == 1);
  REQUIRE(run.broker.open_fetch_sessions(2) == 1);
  run.broker.set_leader("moves", 1, 1);
  run.more(run.all(), 10, 10);
  const auto seen = run.broker.fetches_seen();
  const auto on1 = check_sessions(seen, 1);
  const auto on2 = check_sessions(seen, 2);
  require_clean(on1);
  require_clean(on2);
  CHECK(on1.created == 1);  // partition 1 joined node 1's session
  CHECK(on2.closes == 1);   // node 2 leads nothing of ours: its session closed
  CHECK(run.broker.open_fetch_sessions(2) == 0);
  bool joined = false;
  for (const auto& f : incremental_only(seen))
    joined = joined || (f.node == 1 && names(f.sent, "moves", 1));
  CHECK(joined);
}

TEST_CASE("Fetch session: read_committed over a session reads exactly the committed records",
          "[consumer][session]") {
  TxnBroker broker;
  broker.create_topic("rc", 2);
  REQUIRE(kwire::test::run_librdkafka_transactions(
              broker.bootstrap(), "rc-writer", "rc",
              {{{{0, "c-0"}, {1, "c-1"}}, kwire::test::TxnEnd::commit},
               {{{0, "a-0"}, {1, "a-1"}}, kwire::test::TxnEnd::abort},
               {{{0, "o-0"}}, kwire::test::TxnEnd::leave_open}}) == "");
  kwire::Consumer consumer(fast(broker.bootstrap(), {{"isolation.level", "read_committed"}}));
  consumer.assign({{"rc", 0}, {"rc", 1}});
  auto got = kwire::test::read(consumer, 2);
  CHECK(consumer.poll(300ms).empty());  // stuck at partition 0's last stable offset
  // The same transactional id again: the open transaction is aborted (the
  // LSO moves), then one more commits.
  REQUIRE(kwire::test::run_librdkafka_transactions(broker.bootstrap(), "rc-writer", "rc",
                                                   {{{{0, "c2-0"}, {1, "c2-1"}}, kwire::test::TxnEnd::commit}}) == "");
  auto more = kwire::test::read(consumer, 2);
  CHECK(consumer.poll(300ms).empty());
  std::multiset<std::string> values;
  for (const auto& r : got) values.insert(*r.value);
  for (const auto& r : more) values.insert(*r.value);
  CHECK(values == std::multiset<std::string>{"c-0", "c-1", "c2-0", "c2-1"});
  const auto report = check_sessions(broker.fetches_seen(), 1);
  require_clean(report);
  CHECK(report.created == 1);
  CHECK(report.incremental >= 2);
}

}  // namespace kwire::test::fetch_session_broker
