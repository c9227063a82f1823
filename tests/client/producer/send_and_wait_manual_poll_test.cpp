// send_and_wait with enable.manual.events.poll=true: the waiting thread runs
// the queued reports itself until its own has fired, and it also returns
// when another thread's poll_events() ran that report (it is woken, it does
// not look again in time slices).
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "producer_api_cluster.hpp"

namespace send_and_wait_manual_poll_test {

using namespace std::chrono_literals;
using producer_api::record;

kwire::Properties manual() { return {{"enable.manual.events.poll", "true"}}; }

TEST_CASE("send_and_wait in manual-poll mode runs the reports queued before its own", "[producer][threads]") {
  producer_api::Cluster cluster;
  kwire::Producer producer = cluster.make(manual());
  const auto caller = std::this_thread::get_id();
  std::vector<std::thread::id> ran_on;
  for (int i = 0; i < 3; ++i) {
    producer.async_send(record("k", "early", 0),
                        [&](std::error_code ec, const kwire::RecordMetadata&) {
                          CHECK_FALSE(ec);
                          ran_on.push_back(std::this_thread::get_id());
                        });
  }
  kwire::RecordMetadata md;
  REQUIRE_FALSE(producer.send_and_wait(record("k", "mine", 0), md));
  CHECK(md.partition == 0);
  CHECK(md.offset == 3);  // after the three sent before it, same partition
  // Their reports came first and ran on this thread, inside send_and_wait.
  CHECK(ran_on == std::vector<std::thread::id>(3, caller));
  producer.close(5s);
}

TEST_CASE("send_and_wait in manual-poll mode returns when another thread's poll ran its report",
          "[producer][threads]") {
  producer_api::Cluster cluster;
  kwire::Producer producer = cluster.make(manual());
  std::atomic<bool> stop_polling{false};
  std::atomic<std::size_t> polled_elsewhere{0};
  std::thread poller([&] {
    while (!stop_polling.load()) polled_elsewhere += producer.poll_events(50ms);
  });
  // Until the other thread has run a few of them (which thread a queued
  // report wakes is the scheduler's choice), at most 5,000.
  std::atomic<int> sent{0};
  auto sender = std::async(std::launch::async, [&] {
    int ok = 0;
    kwire::RecordMetadata md;
    while (sent < 5000 && (sent < 100 || polled_elsewhere.load() < 5)) {
      ok += producer.send_and_wait(record("k", "v", sent % 4), md) ? 0 : 1;
      ++sent;
    }
    return ok;
  });
  const bool finished = sender.wait_for(60s) == std::future_status::ready;
  stop_polling = true;
  poller.join();
  if (!finished) {
    // A send_and_wait missed the wake-up: a new report wakes it (the poller
    // is gone), so the test fails here instead of hanging.
    producer.async_send(record("k", "rescue", 0), [](std::error_code, const kwire::RecordMetadata&) {});
  }
  REQUIRE(finished);
  CHECK(sender.get() == sent.load());
  // The point of the case: some of those reports were run by the other thread.
  CHECK(polled_elsewhere.load() >= 5);
  producer.close(5s);
}

}  // namespace send_and_wait_manual_poll_test
