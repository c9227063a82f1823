// The consumer's two sides at once, for ThreadSanitizer (tools/run-tsan.sh
// runs "[threads]"): the application thread polls, commits (sync and async,
// and auto-commit every poll), seeks, pauses and resumes while the consumer's
// io thread fetches from a TxnBroker that a kwire producer is still writing
// to on a third thread; and the consumer destroyed while it fetches. Every
// peer here is instrumented (kwire's producer, the TxnBroker), unlike
// librdkafka's mock, so TSan sees each handover. The async_poll thread:
// consumer_async_poll_threads_test.cpp; a group member through rebalances:
// consumer_group_threads_test.cpp.
#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "consumer_threads.hpp"

namespace kwire::test::consumer_threads::polling_test {

// The test cases stay in the namespace: unity builds put files together.

TEST_CASE("Consumer polls, commits, seeks and pauses while its io thread fetches what a producer still writes",
          "[consumer][threads]") {
  constexpr int kPerPartition = 2000;
  WrittenTopic written("threads", kPerPartition);

  auto props = small_fetches(written.broker.bootstrap(), "threads-group");
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
  REQUIRE(written.finish() == 0);
  CHECK(done());
  CHECK(seeks > 0);
  CHECK(paused_polls > 0);
  CHECK(reassigned > 0);
  CHECK(lookups > 0);
  consumer.close();  // commits the positions (auto-commit), answers every asynchronous commit
  CHECK(async_answered.load() == async_started);
  CHECK(async_failed.load() == 0);
  for (std::int32_t p = 0; p < kPartitions; ++p)
    CHECK(written.broker.committed_offset("threads-group", "threads", p) == kPerPartition);
}

TEST_CASE("Consumer destroyed while its io thread fetches what a producer still writes", "[consumer][threads]") {
  WrittenTopic written("gone", 3000);
  std::size_t read = 0;
  {
    kwire::Consumer consumer(small_fetches(written.broker.bootstrap(), "gone-group"));
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
  CHECK(written.finish() == 0);
}

}  // namespace kwire::test::consumer_threads::polling_test
