// The consumer's async_poll thread, for ThreadSanitizer (tools/run-tsan.sh
// runs "[threads]"): its handlers read and commit (async and sync) while the
// io thread fetches what a kwire producer on a third thread still writes to
// a TxnBroker; then the consumer destroyed under a waiting poll.
#include <catch2/catch.hpp>

#include <asio/use_future.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <system_error>
#include <vector>

#include "consumer_threads.hpp"

namespace kwire::test::consumer_threads::async_poll_test {

// The test cases stay in the namespace: unity builds put files together.

TEST_CASE("Consumer's async_poll thread reads and commits from its handlers; destroying it ends a waiting poll",
          "[consumer][threads]") {
  constexpr int kPerPartition = 150;
  WrittenTopic written("async-threads", kPerPartition);

  auto consumer = std::make_unique<kwire::Consumer>(small_fetches(written.broker.bootstrap(), "async-group"));
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
  REQUIRE(written.finish() == 0);
  CHECK(reading.errors == 0);
  CHECK(reading.total == kPartitions * kPerPartition);
  for (std::int32_t p = 0; p < kPartitions; ++p) {
    INFO("partition " << p);
    const auto& got = reading.offsets[p];
    REQUIRE(got.size() == static_cast<std::size_t>(kPerPartition));
    for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == static_cast<std::int64_t>(i));
    CHECK(!reading.values_match.count(p));
    CHECK(written.broker.committed_offset("async-group", "async-threads", p) == kPerPartition);
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

}  // namespace kwire::test::consumer_threads::async_poll_test
