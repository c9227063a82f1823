// A subscribed consumer, for ThreadSanitizer (tools/run-tsan.sh runs
// "[threads]"): it commits from the application thread while its io thread
// heartbeats to the TxnBroker's group coordinator, through the rebalances of
// a second member (on a thread of its own) joining and leaving, while a kwire
// producer on a third thread writes what both read.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "consumer_threads.hpp"

namespace kwire::test::consumer_threads::group_test {

// What one group member read, checked as it reads: within one assignment a
// partition's offsets follow each other; each (re)assignment may start over
// at the committed offset.
struct MemberReading {
  std::map<std::int32_t, std::int64_t> expect;  // next offset, while owned
  std::set<std::pair<std::int32_t, std::int64_t>> seen;
  int out_of_order = 0, bad_values = 0, assignments = 0, revokes = 0, losses = 0;
  std::size_t count = 0;

  kwire::RebalanceListener listener() {
    auto forget = [this](const std::vector<kwire::TopicPartition>& partitions) {
      for (const auto& tp : partitions) expect.erase(tp.partition);
    };
    return {[this, forget](const std::vector<kwire::TopicPartition>& p) {
              forget(p);
              ++assignments;
            },
            [this, forget](const std::vector<kwire::TopicPartition>& p) {
              forget(p);
              ++revokes;
            },
            [this, forget](const std::vector<kwire::TopicPartition>& p) {
              forget(p);
              ++losses;
            }};
  }
  void take(const kwire::ConsumerRecords& records) {
    for (const kwire::ConsumerRecord& r : records) {
      auto it = expect.find(r.partition);
      if (it != expect.end() && it->second != r.offset) ++out_of_order;
      expect[r.partition] = r.offset + 1;
      if (kwire::test::text(r.value) != value_of(r.partition, r.offset)) ++bad_values;
      seen.insert({r.partition, r.offset});
      ++count;
    }
  }
};

// The test cases stay in the namespace: unity builds put files together.

TEST_CASE("Consumer group member commits from the application thread while its io thread heartbeats through rebalances",
          "[consumer][threads]") {
  constexpr int kPerPartition = 800;
  kwire::test::TxnBroker broker;
  broker.create_topic("members", kPartitions);
  std::atomic<int> write_failures{0};
  // Half the records at once; the rest once the second member has partitions, so it has some to read.
  std::atomic<bool> second_assigned{false};
  std::thread writer([&] {
    write_records_from(broker.bootstrap(), "members", 0, kPerPartition / 2, write_failures);
    const auto until = std::chrono::steady_clock::now() + 60s;
    while (!second_assigned.load() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(1ms);
    write_records_from(broker.bootstrap(), "members", kPerPartition / 2, kPerPartition / 2, write_failures);
  });

  auto props = small_fetches(broker.bootstrap(), "members-group");
  props["heartbeat.interval.ms"] = "20";  // the io thread heartbeats all the time
  props["session.timeout.ms"] = "10000";
  props["max.poll.interval.ms"] = "30000";
  props["enable.auto.commit"] = "true";  // revokes and close() commit the positions
  props["auto.commit.interval.ms"] = "50";

  MemberReading first_read;
  kwire::Consumer first(props);
  REQUIRE(!first.subscribe({"members"}, first_read.listener()));

  // The second member, on its own thread: joins once the first reads, reads
  // a while, then leaves (close(): commit, LeaveGroup).
  std::atomic<bool> start_second{false}, second_done{false};
  MemberReading second_read;  // the second thread's until it is joined
  int second_errors = 0;
  std::thread second([&] {
    while (!start_second.load()) std::this_thread::yield();
    kwire::Consumer c(props);
    kwire::RebalanceListener listener = second_read.listener();
    listener.on_assigned = [&, counted = listener.on_assigned](const std::vector<kwire::TopicPartition>& p) {
      counted(p);
      if (!p.empty()) second_assigned.store(true);
    };
    if (c.subscribe({"members"}, std::move(listener))) ++second_errors;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (second_read.count < 200 && std::chrono::steady_clock::now() < deadline) {
      const kwire::ConsumerRecords& records = c.poll(50ms);
      if (records.error()) ++second_errors;
      second_read.take(records);
    }
    c.close();
    second_done.store(true);
  });

  int commits = 0, refused = 0, async_started = 0;
  std::atomic<int> async_answered{0};
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  auto covered = [&] {
    if (!second_done.load()) return false;
    for (std::int32_t p = 0; p < kPartitions; ++p)
      for (std::int64_t o = 0; o < kPerPartition; ++o)
        if (!first_read.seen.count({p, o}) && !second_read.seen.count({p, o})) return false;
    return first.assignment().size() == static_cast<std::size_t>(kPartitions);
  };
  for (int round = 1; std::chrono::steady_clock::now() < deadline; ++round) {
    const kwire::ConsumerRecords& records = first.poll(50ms);
    INFO("round " << round << ": " << records.error_detail());
    REQUIRE(!records.error());
    first_read.take(records);
    if (first_read.count > 100) start_second.store(true);
    if (round % 10 == 0 && !first.assignment().empty()) {
      // A commit racing a rebalance may be refused as stale; that is the coordinator's answer, not a race.
      const std::error_code ec = first.commit();
      if (ec) ++refused;
      else ++commits;
    }
    if (round % 7 == 0) {
      ++async_started;
      first.commit_async([&](std::error_code, const kwire::CommitOffsets&) { async_answered.fetch_add(1); });
    }
    if (round % 25 == 0) {
      const kwire::ConsumerGroupMetadata metadata = first.group_metadata();  // read while the io thread rejoins
      CHECK(metadata.group_id == "members-group");
    }
    if (second_done.load() && covered()) break;
  }
  second.join();
  writer.join();
  REQUIRE(write_failures.load() == 0);
  CHECK(covered());
  CHECK(second_errors == 0);
  CHECK(second_read.assignments >= 1);
  CHECK(second_read.count >= 200);
  CHECK(first_read.revokes >= 2);      // the second member joined, then left
  CHECK(first_read.assignments >= 3);  // alone, shared, alone again
  CHECK(first_read.losses == 0);
  CHECK(first_read.out_of_order == 0);
  CHECK(second_read.out_of_order == 0);
  CHECK(first_read.bad_values == 0);
  CHECK(second_read.bad_values == 0);
  CHECK(commits > 0);
  first.close();  // commits the positions, answers every asynchronous commit
  CHECK(async_answered.load() == async_started);
  for (std::int32_t p = 0; p < kPartitions; ++p)
    CHECK(broker.committed_offset("members-group", "members", p) == kPerPartition);
  const auto g = broker.group("members-group");
  REQUIRE(g);
  CHECK(g->rebalances >= 3);
  INFO("commits refused in a rebalance: " << refused);
}

}  // namespace kwire::test::consumer_threads::group_test
