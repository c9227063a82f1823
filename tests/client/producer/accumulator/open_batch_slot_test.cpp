// Open batches filled without the partition lock (issue 15, step C;
// open_batch_slot.hpp): several threads append to ONE partition while a
// draining thread claims and completes batches as fast as it can (linger 0,
// so it claims batches appenders are still filling). Every record must be
// reported exactly once, with its own offset, and each thread's records must
// keep their order. More threads than stripes, so some threads share a slot.
// Runs under ThreadSanitizer too (tools/run-tsan.sh runs "[threads]").
#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "producer/accumulator/record_accumulator.hpp"

using namespace kwire::detail;
using namespace std::chrono_literals;

namespace {

struct SlotTestOutcome {
  std::atomic<int> fired{0};
  std::atomic<std::int64_t> offset{-1};
  std::atomic<bool> failed{false};
};

}  // namespace

TEST_CASE("open batch slots: threads fill one partition while the sender claims its batches", "[threads]") {
  constexpr int kThreads = static_cast<int>(OpenBatchSlot::kStripes) + 2;
  constexpr int kPerThread = 3000;
  DeliveryDispatcher dispatcher(false);
  AccumulatorOptions o;
  o.batch_size = GENERATE(300, 4096);
  o.linger = 0ms;
  o.buffer_memory = 64 * 1024;  // small: appenders also wait for memory the drainer frees
  RecordAccumulator acc(o, dispatcher);
  RecordAccumulator::TopicQueues& queues = acc.topic_queues("one");

  std::vector<SlotTestOutcome> outcomes(static_cast<std::size_t>(kThreads * kPerThread));
  std::atomic<int> append_errors{0};
  std::atomic<bool> appending{true};
  std::atomic<std::int64_t> batches_drained{0};
  auto leader = [](std::string_view, std::int32_t) { return std::optional<std::int32_t>(0); };

  std::thread drainer([&] {
    std::int64_t next_offset = 0;
    while (appending.load() || acc.has_queued()) {
      const auto now = std::chrono::steady_clock::now();
      auto ready = acc.ready(leader, now);
      auto drained = acc.drain(leader, ready.ready_nodes, 1 << 20, {}, now);
      for (auto& [node, batches] : drained) {
        for (auto& b : batches) {
          b->complete(next_offset, -1, {});
          next_offset += b->record_count();
          ++batches_drained;
        }
      }
      if (drained.empty()) std::this_thread::yield();
    }
  });

  std::vector<std::thread> appenders;
  for (int t = 0; t < kThreads; ++t) {
    appenders.emplace_back([&, t] {
      const std::string value(20 + 7 * t, static_cast<char>('a' + t));
      for (int i = 0; i < kPerThread; ++i) {
        SlotTestOutcome& out = outcomes[static_cast<std::size_t>(t * kPerThread + i)];
        kwire::DeliveryHandler handler = [&out](std::error_code ec, kwire::RecordMetadata md) {
          if (ec) out.failed = true;
          out.offset = md.offset;
          ++out.fired;
        };
        const RecordParts record{i, std::nullopt, kwire::as_bytes(value), {}};
        auto r = acc.append(queues, 0, record, handler, static_cast<std::uint64_t>(i), false, true,
                            SendDeadline::at(std::chrono::steady_clock::now() + 30s));
        if (r.error) ++append_errors;  // Catch2's assertions are not thread-safe
      }
    });
  }
  for (auto& a : appenders) a.join();
  acc.close();  // everything left is ready
  appending = false;
  drainer.join();

  CHECK(append_errors == 0);
  int wrong = 0;
  for (int t = 0; t < kThreads; ++t) {
    std::int64_t last = -1;
    for (int i = 0; i < kPerThread; ++i) {
      const SlotTestOutcome& out = outcomes[static_cast<std::size_t>(t * kPerThread + i)];
      // Reported once, without error, after the thread's previous record.
      if (out.fired != 1 || out.failed || out.offset <= last) ++wrong;
      last = out.offset;
    }
  }
  CHECK(wrong == 0);
  // Offsets are handed out per record: all distinct, none skipped.
  std::vector<bool> seen(outcomes.size(), false);
  int duplicates = 0;
  for (const SlotTestOutcome& out : outcomes) {
    const std::int64_t off = out.offset;
    if (off < 0 || off >= static_cast<std::int64_t>(seen.size()) || seen[static_cast<std::size_t>(off)]) {
      ++duplicates;
    } else {
      seen[static_cast<std::size_t>(off)] = true;
    }
  }
  CHECK(duplicates == 0);
  CHECK(batches_drained > 1);
  CHECK(acc.pool().available() == acc.pool().total());
  CHECK(acc.incomplete() == 0);
}

TEST_CASE("open batch slots: a lone thread's batch lingers open, a flush or a full batch seals it") {
  DeliveryDispatcher dispatcher(false);
  AccumulatorOptions o;
  o.batch_size = 200;
  o.linger = 1000s;
  RecordAccumulator acc(o, dispatcher);
  RecordAccumulator::TopicQueues& queues = acc.topic_queues("one");
  auto leader = [](std::string_view, std::int32_t) { return std::optional<std::int32_t>(0); };
  const std::string value(30, 'v');
  auto send = [&](std::int64_t ts) {
    kwire::DeliveryHandler none;
    const RecordParts record{ts, std::nullopt, kwire::as_bytes(value), {}};
    return acc.append(queues, 0, record, none, 0, false, false, SendDeadline::at(std::chrono::steady_clock::now()));
  };
  const auto now = std::chrono::steady_clock::now();
  REQUIRE_FALSE(send(1).error);
  // Open, lingering: not ready.
  CHECK(acc.ready(leader, now).ready_nodes.empty());
  // Appends go on into the same batch until it is full; the full one is ready.
  int records = 1;
  while (true) {
    auto r = send(1 + records);
    REQUIRE_FALSE(r.error);
    if (r.new_batch) break;
    ++records;
  }
  CHECK(records > 1);
  CHECK(acc.ready(leader, now).ready_nodes == std::vector<std::int32_t>{0});
  auto drained = acc.drain(leader, std::vector<std::int32_t>{0}, 1 << 20, {}, now);
  REQUIRE(drained[0].size() == 1);
  CHECK(drained[0][0]->record_count() == records);
  drained[0][0]->complete(0, -1, {});
  // The new open batch holds one record and lingers; a flush seals it.
  CHECK(acc.ready(leader, now).ready_nodes.empty());
  const std::uint64_t flush_id = acc.start_flush([] {});
  CHECK(acc.ready(leader, now).ready_nodes == std::vector<std::int32_t>{0});
  // Appends after the flush go into a new batch behind the sealed one.
  auto after = send(100);
  REQUIRE_FALSE(after.error);
  CHECK(after.new_batch);
  drained = acc.drain(leader, std::vector<std::int32_t>{0}, 1 << 20, {}, now);
  REQUIRE(drained[0].size() == 1);
  CHECK(drained[0][0]->record_count() == 1);
  drained[0][0]->complete(records, -1, {});
  acc.cancel_flush(flush_id);
}
