// The consumer's two sides at once, for ThreadSanitizer (tools/run-tsan.sh
// runs "[threads]"): the application thread polls, commits (sync and async,
// and auto-commit every poll), seeks, pauses and resumes while the consumer's
// io thread fetches from a TxnBroker that a kwire producer is still writing
// to on a third thread; and async_poll's own thread reading and committing
// from its handlers, then the consumer destroyed under a waiting poll; the
// consumer destroyed while it fetches; and a subscribed consumer committing
// from the application thread while its io thread heartbeats to the
// TxnBroker's group coordinator, through the rebalances of a second member
// (on a thread of its own) joining and leaving. Every
// peer here is instrumented (kwire's producer, the TxnBroker), unlike
// librdkafka's mock, so TSan sees each handover.
// Small fetches (max.partition.fetch.bytes) and a small prefetch bound
// (fetch.buffer.bytes) make the io thread stop and be woken by the polling
// thread's releases many times over.
#include <catch2/catch.hpp>

#include <asio/use_future.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "consumer_reading.hpp"
#include "kwire/consumer.hpp"
#include "kwire/producer.hpp"
#include "txn_broker.hpp"

using namespace std::chrono_literals;

namespace consumer_threads_test {

constexpr int kPartitions = 3;

std::string value_of(std::int32_t partition, std::int64_t offset) {
  return "p" + std::to_string(partition) + "-" + std::to_string(offset);
}

// Writes `count` records to each partition, in order, so a record's value
// names its offset (the first being `first`); on the calling thread (the test starts it on its own).
void write_records_from(const std::string& bootstrap, const std::string& topic, int first, int count,
                        std::atomic<int>& failed) {
  kwire::Producer producer({{"bootstrap.servers", bootstrap}, {"linger.ms", "1"}, {"batch.size", "2048"}});
  for (int i = first; i < first + count; ++i) {
    for (std::int32_t p = 0; p < kPartitions; ++p) {
      const std::string value = value_of(p, i);
      kwire::Record r;
      r.topic = topic;
      r.partition = p;
      r.value = kwire::Bytes(reinterpret_cast<const std::uint8_t*>(value.data()), value.size());
      if (producer.send(r, [&failed](std::error_code ec, const kwire::RecordMetadata&) {
            if (ec) failed.fetch_add(1);
          }))
        failed.fetch_add(1);
    }
  }
  if (producer.flush(60s)) failed.fetch_add(1);
}

void write_records(const std::string& bootstrap, const std::string& topic, int count, std::atomic<int>& failed) {
  write_records_from(bootstrap, topic, 0, count, failed);
}

kwire::Properties small_fetches(const std::string& bootstrap, const std::string& group) {
  return kwire::test::base(bootstrap, {{"group.id", group},
                                       {"max.poll.records", "37"},
                                       {"max.partition.fetch.bytes", "1500"},
                                       {"fetch.max.bytes", "4000"},
                                       {"fetch.buffer.bytes", "6000"},
                                       {"fetch.max.wait.ms", "20"}});
}

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

std::vector<kwire::TopicPartition> all_partitions(const std::string& topic) {
  std::vector<kwire::TopicPartition> out;
  for (std::int32_t p = 0; p < kPartitions; ++p) out.push_back({topic, p});
  return out;
}

}  // namespace consumer_threads_test

TEST_CASE("Consumer polls, commits, seeks and pauses while its io thread fetches what a producer still writes",
          "[consumer][threads]") {
  using namespace consumer_threads_test;
  constexpr int kPerPartition = 2000;
  kwire::test::TxnBroker broker;
  broker.create_topic("threads", kPartitions);
  std::atomic<int> write_failures{0};
  std::thread writer(write_records, broker.bootstrap(), "threads", kPerPartition, std::ref(write_failures));

  auto props = small_fetches(broker.bootstrap(), "threads-group");
  props["enable.auto.commit"] = "true";
  props["auto.commit.interval.ms"] = "0";  // an asynchronous commit from every poll
  kwire::Consumer consumer(props);
  const auto partitions = all_partitions("threads");
  consumer.assign(partitions);

  std::array<std::int64_t, kPartitions> next{};  // the offset each partition must return next
  int async_started = 0;
  std::atomic<int> async_answered{0}, async_failed{0};
  int seeks = 0, paused_polls = 0, reassigned = 0, lookups = 0;
  std::optional<std::int32_t> paused, given_up;
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  auto done = [&] {
    for (auto n : next)
      if (n < kPerPartition) return false;
    return true;
  };
  for (int round = 1; !done() && std::chrono::steady_clock::now() < deadline; ++round) {
    const kwire::ConsumerRecords& records = consumer.poll(100ms);
    INFO("round " << round << ": " << records.error_detail());
    REQUIRE(!records.error());
    for (const kwire::ConsumerRecord& r : records) {
      REQUIRE(r.topic == "threads");
      REQUIRE(r.partition >= 0);
      REQUIRE(r.partition < kPartitions);
      CHECK(!(paused && *paused == r.partition));
      // In order, nothing skipped and nothing twice (a seek moves `next` first).
      REQUIRE(r.offset == next[static_cast<std::size_t>(r.partition)]);
      CHECK(kwire::test::text(r.value) == value_of(r.partition, r.offset));
      ++next[static_cast<std::size_t>(r.partition)];
    }
    if (given_up) {
      // Taken back: it starts at the offset committed when it was given up.
      consumer.assign(partitions);
      given_up.reset();
      ++reassigned;
    }
    if (paused) {
      ++paused_polls;
      REQUIRE(!consumer.resume(std::vector<kwire::TopicPartition>{{"threads", *paused}}));
      paused.reset();
    } else if (round % 11 == 0) {
      paused = round % kPartitions;
      REQUIRE(!consumer.pause(std::vector<kwire::TopicPartition>{{"threads", *paused}}));
    }
    if (round % 7 == 0) {
      // Back a little: the records from there on come again, once.
      const std::int32_t p = (round / 7) % kPartitions;
      auto& n = next[static_cast<std::size_t>(p)];
      if (n >= 25) {
        n -= 25;
        REQUIRE(!consumer.seek({"threads", p}, n));
        std::int64_t at = -1;
        REQUIRE(!consumer.position({"threads", p}, at));
        CHECK(at == n);
        ++seeks;
      }
    }
    if (round == 23) {
      REQUIRE(!consumer.seek_to_beginning(std::vector<kwire::TopicPartition>{{"threads", 1}}));
      std::int64_t at = -1;
      REQUIRE(!consumer.position({"threads", 1}, at));  // waits for the lookup on the io thread
      CHECK(at == 0);
      next[1] = 0;
    }
    if (round % 9 == 0) {
      // ListOffsets from this thread while the io thread fetches.
      std::vector<std::int64_t> begins, ends;
      REQUIRE(!consumer.beginning_offsets(partitions, begins, 10s));
      REQUIRE(!consumer.end_offsets(partitions, ends, 10s));
      std::map<kwire::TopicPartition, kwire::OffsetAndTimestamp> at_times;
      REQUIRE(!consumer.offsets_for_times({{{"threads", 2}, 0}}, at_times, 10s));
      for (std::size_t i = 0; i < partitions.size(); ++i) {
        CHECK(begins[i] == 0);
        CHECK(ends[i] >= next[i]);
      }
      CHECK(at_times[{"threads", 2}].offset == 0);
      ++lookups;
    }
    if (round % 10 == 0) {
      REQUIRE(!consumer.commit());
      kwire::CommitOffsets committed;
      REQUIRE(!consumer.committed(partitions, committed, 10s));
      for (const auto& [tp, om] : committed) {
        std::int64_t at = -1;
        REQUIRE(!consumer.position(tp, at));
        CHECK(om.offset == at);
      }
    }
    if (round % 5 == 0) {
      ++async_started;
      consumer.commit_async([&](std::error_code ec, const kwire::CommitOffsets&) {
        async_answered.fetch_add(1);
        if (ec) async_failed.fetch_add(1);
      });
    }
    if (!paused && round % 13 == 0) {
      // Given up for one poll, after a commit of where it stands.
      const std::int32_t p = (round / 13) % kPartitions;
      REQUIRE(!consumer.commit());
      std::vector<kwire::TopicPartition> fewer;
      for (const auto& tp : partitions)
        if (tp.partition != p) fewer.push_back(tp);
      consumer.assign(fewer);
      given_up = p;
    }
  }
  writer.join();
  REQUIRE(write_failures.load() == 0);
  CHECK(done());
  CHECK(seeks > 0);
  CHECK(paused_polls > 0);
  CHECK(reassigned > 0);
  CHECK(lookups > 0);
  consumer.close();  // commits the positions (auto-commit), answers every asynchronous commit
  CHECK(async_answered.load() == async_started);
  CHECK(async_failed.load() == 0);
  for (std::int32_t p = 0; p < kPartitions; ++p)
    CHECK(broker.committed_offset("threads-group", "threads", p) == kPerPartition);
}

TEST_CASE("Consumer destroyed while its io thread fetches what a producer still writes", "[consumer][threads]") {
  using namespace consumer_threads_test;
  kwire::test::TxnBroker broker;
  broker.create_topic("gone", kPartitions);
  std::atomic<int> write_failures{0};
  std::thread writer(write_records, broker.bootstrap(), "gone", 3000, std::ref(write_failures));
  std::size_t read = 0;
  {
    kwire::Consumer consumer(small_fetches(broker.bootstrap(), "gone-group"));
    consumer.assign(all_partitions("gone"));
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (read < 500 && std::chrono::steady_clock::now() < deadline) {
      const kwire::ConsumerRecords& records = consumer.poll(100ms);
      REQUIRE(!records.error());
      read += records.size();
    }
    // Destroyed holding the last poll's records, with fetches in flight and
    // the prefetch bound reached: the io thread stops under the polling thread.
  }
  CHECK(read >= 500);
  writer.join();
  CHECK(write_failures.load() == 0);
}

TEST_CASE("Consumer's async_poll thread reads and commits from its handlers; destroying it ends a waiting poll",
          "[consumer][threads]") {
  using namespace consumer_threads_test;
  constexpr int kPerPartition = 150;
  kwire::test::TxnBroker broker;
  broker.create_topic("async-threads", kPartitions);
  std::atomic<int> write_failures{0};
  std::thread writer(write_records, broker.bootstrap(), "async-threads", kPerPartition, std::ref(write_failures));

  auto consumer = std::make_unique<kwire::Consumer>(small_fetches(broker.bootstrap(), "async-group"));
  consumer->assign(all_partitions("async-threads"));

  // Handlers run one after another on the polling thread; each starts the next poll.
  struct Reading {
    std::map<std::int32_t, std::vector<std::int64_t>> offsets;
    std::map<std::int32_t, bool> values_match;
    int total = 0, commits = 0, errors = 0;
  } reading;
  std::promise<void> all_read;
  std::function<void(std::error_code, const kwire::ConsumerRecords&)> on_records =
      [&](std::error_code ec, const kwire::ConsumerRecords& records) {
        if (ec || records.error()) {
          ++reading.errors;
          all_read.set_value();
          return;
        }
        for (const kwire::ConsumerRecord& r : records) {
          reading.offsets[r.partition].push_back(r.offset);
          if (kwire::test::text(r.value) != value_of(r.partition, r.offset)) reading.values_match[r.partition] = false;
          ++reading.total;
        }
        if (!records.empty() && ++reading.commits % 3 == 0) consumer->commit_async();
        if (reading.total >= kPartitions * kPerPartition) {
          // Synchronous from the handler too: the io thread answers while this thread waits.
          if (consumer->commit()) ++reading.errors;
          all_read.set_value();
          return;
        }
        consumer->async_poll(100ms, on_records);
      };
  auto finished = all_read.get_future();
  consumer->async_poll(100ms, on_records);
  REQUIRE(finished.wait_for(120s) == std::future_status::ready);
  writer.join();
  REQUIRE(write_failures.load() == 0);
  CHECK(reading.errors == 0);
  CHECK(reading.total == kPartitions * kPerPartition);
  for (std::int32_t p = 0; p < kPartitions; ++p) {
    INFO("partition " << p);
    const auto& got = reading.offsets[p];
    REQUIRE(got.size() == static_cast<std::size_t>(kPerPartition));
    for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == static_cast<std::int64_t>(i));
    CHECK(!reading.values_match.count(p));
    CHECK(broker.committed_offset("async-group", "async-threads", p) == kPerPartition);
  }

  // Nothing more to read: this poll waits on the polling thread until the
  // consumer goes away, which ends it early (no error, no records), or, if
  // the destructor came first, completes it with consumer_closed.
  auto waiting = consumer->async_poll(60s, asio::use_future);
  consumer.reset();
  REQUIRE(waiting.wait_for(0s) == std::future_status::ready);
  std::size_t left = 0;
  std::error_code ended;
  try {
    left = waiting.get().size();
  } catch (const std::system_error& e) {
    ended = e.code();
  }
  CHECK(left == 0);
  CHECK((!ended || ended == kwire::consumer_errc::consumer_closed));
}

TEST_CASE("Consumer group member commits from the application thread while its io thread heartbeats through rebalances",
          "[consumer][threads]") {
  using namespace consumer_threads_test;
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
