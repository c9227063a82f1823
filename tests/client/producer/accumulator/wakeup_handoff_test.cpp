// The wake-up hand-off between appenders and the sender (issue 15, direction
// 3; the protocol is described at the top of record_accumulator.hpp): the
// sender is woken only while it is parked, at most once per park, never for
// a record added to an open batch, and never too late: an append racing the
// park is either seen by park() or wakes the parked sender. The racing case
// runs under ThreadSanitizer too (tools/run-tsan.sh runs "[threads]").
#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "producer/accumulator/record_accumulator.hpp"

using namespace kwire::detail;
using Clock = std::chrono::steady_clock;
using kwire::protocol::as_bytes;
using namespace std::chrono_literals;

namespace {

std::optional<std::int32_t> one_node(std::string_view, std::int32_t) { return 0; }

std::error_code append(RecordAccumulator& acc, std::int32_t partition, const std::string& value, std::uint64_t id) {
  DeliveryEntry e;
  e.user_id = id;
  auto r = acc.append("t", partition, 1000 + static_cast<std::int64_t>(id), std::nullopt, as_bytes(value), {}, e,
                      Clock::now() + 5s);
  return r.error;
}

}  // namespace

TEST_CASE("wake-up hand-off: the sender is woken only while parked, once per park") {
  DeliveryDispatcher dispatcher(false);
  AccumulatorOptions o;
  o.batch_size = 1024;
  o.linger = 1000ms;
  o.buffer_memory = 64 * 1024;
  RecordAccumulator acc(o, dispatcher);
  int wakeups = 0;
  acc.set_wakeup([&] { ++wakeups; });
  const std::string value(100, 'v');

  // The sender is not parked (busy): a new batch counts as an event, no wake-up.
  std::uint64_t seen = acc.events();
  REQUIRE_FALSE(append(acc, 0, value, 0));
  CHECK(acc.events() == seen + 1);
  CHECK(wakeups == 0);

  // Parked: a record added to the open batch is no event and wakes nobody.
  seen = acc.events();
  REQUIRE(acc.park(Clock::now() + 1h, seen));
  REQUIRE_FALSE(append(acc, 0, value, 1));
  CHECK(acc.events() == seen);
  CHECK(wakeups == 0);

  // Filling the batch wakes the parked sender once; the next full batch,
  // still in the same park, does not wake it again.
  for (std::uint64_t id = 2; id < 22; ++id) REQUIRE_FALSE(append(acc, 0, value, id));
  CHECK(acc.events() >= seen + 2);
  CHECK(wakeups == 1);
  acc.unpark();

  // Parked with a timer before the new batch's linger ends: the timer comes
  // first, so the new batch wakes nobody.
  seen = acc.events();
  REQUIRE(acc.park(Clock::now() + 10ms, seen));
  REQUIRE_FALSE(append(acc, 1, value, 100));
  CHECK(acc.events() == seen + 1);
  CHECK(wakeups == 1);
  acc.unpark();

  // An event between the round's start and the park: park() refuses to
  // sleep (nobody else will wake the sender for it).
  seen = acc.events();
  REQUIRE_FALSE(append(acc, 2, value, 200));
  CHECK_FALSE(acc.park(Clock::now() + 1h, seen));
  CHECK(wakeups == 1);

  // close() makes everything ready: it wakes a parked sender.
  seen = acc.events();
  REQUIRE(acc.park(Clock::now() + 1h, seen));
  acc.close();
  CHECK(wakeups == 2);
}

TEST_CASE("wake-up hand-off: an append racing the sender's park is never lost", "[threads]") {
  DeliveryDispatcher dispatcher(false);
  AccumulatorOptions o;
  o.batch_size = 1024;
  o.linger = 0ms;  // a batch is ready as soon as it exists
  o.buffer_memory = 1024 * 1024;
  RecordAccumulator acc(o, dispatcher);

  std::mutex mu;
  std::condition_variable cv;
  bool woken = false;
  std::atomic<int> wakeups{0};
  acc.set_wakeup([&] {
    wakeups++;
    std::lock_guard lock(mu);
    woken = true;
    cv.notify_one();
  });

  constexpr int records = 3000;
  const std::string value(64, 'v');
  // The appender adds record i once the sender is about to park for the
  // i-th time or later: the append lands in the window between the sender's
  // ready() and its wait, where a lost wake-up would happen.
  std::atomic<int> parking{-1};
  std::atomic<int> append_errors{0};
  std::thread appender([&] {
    for (int i = 0; i < records; ++i) {
      while (parking.load(std::memory_order_acquire) < i) std::this_thread::yield();
      if (append(acc, 0, value, static_cast<std::uint64_t>(i))) append_errors++;
    }
  });

  // The sender's loop, as Sender::run does it: events() before ready(), go
  // round again after a drain, otherwise park and wait for the wake-up.
  int drained = 0;
  int parks = 0;
  int refused_parks = 0;
  int round = 0;
  bool lost = false;
  while (drained < records) {
    const std::uint64_t seen = acc.events();
    const auto now = Clock::now();
    auto ready = acc.ready(one_node, now);
    auto batches = acc.drain(one_node, ready.ready_nodes, 1 << 20, {}, now);
    bool any = false;
    for (auto& [node, list] : batches) {
      for (auto& b : list) {
        drained += b->record_count();
        b->complete(0, -1, {});
        any = true;
      }
    }
    if (any || drained >= records) continue;
    parking.store(round++, std::memory_order_release);
    if (!acc.park(now + 1h, seen)) {
      ++refused_parks;
      continue;
    }
    ++parks;
    {
      // Only a lost wake-up ends this wait by its (generous) deadline.
      std::unique_lock lock(mu);
      if (!cv.wait_for(lock, 30s, [&] { return woken; })) {
        lost = true;
        break;
      }
      woken = false;
    }
    acc.unpark();
  }
  if (lost) acc.close();  // lets the appender finish
  parking.store(records, std::memory_order_release);
  appender.join();

  REQUIRE_FALSE(lost);
  CHECK(append_errors == 0);
  CHECK(drained == records);
  CHECK(parks + refused_parks > 0);
  // One wake-up per park, never more.
  CHECK(wakeups == parks);
  CHECK(acc.incomplete() == 0);
}
