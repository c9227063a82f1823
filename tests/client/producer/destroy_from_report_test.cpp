// A Producer destroyed from one of its own delivery reports, on its io
// thread (the report resets the last std::unique_ptr owning it), with and
// without closing it there first: the close finishes off the io thread, after
// the report returned; every record accepted is reported exactly once; and
// the producer's parts go on a thread that is neither the io thread nor the
// application's. And one closed from a report, then destroyed by the
// application while that report still runs: the destructor waits for it.
// Against the in-process FakeBroker, so ThreadSanitizer runs these too
// (tools/run-tsan.sh: "[thread]~[mock]").
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <system_error>
#include <thread>

#include "delivery_recorder.hpp"
#include "fake_broker_producer.hpp"
#include "kwire/errors.hpp"
#include "kwire/producer.hpp"

namespace producer_destroy_from_report {

using namespace std::chrono_literals;

constexpr int kRecords = 200;

// What the first report does to the producer.
enum class FirstReport { destroys, closes_and_destroys, closes };

// The producer, owned by a unique_ptr its first report resets (or closes).
struct SelfDestroying {
  explicit SelfDestroying(FirstReport does) : does(does) {}

  kwire::DeliveryHandler handler() {
    return [this](std::error_code ec, kwire::RecordMetadata md) {
      if (!first.exchange(true)) {
        report_thread.store(std::this_thread::get_id());
        go.wait();  // the test thread has made its last call on the producer
        if (does != FirstReport::destroys) producer->close(0ms);
        if (does == FirstReport::closes) {
          closed.set_value();
          // Still in the report while the test thread destroys the producer.
          std::this_thread::sleep_for(50ms);
        } else {
          producer.reset();
        }
      }
      reports.record(ec, std::move(md));
    };
  }

  const FirstReport does;
  kwire::test::DeliveryRecorder reports;
  std::unique_ptr<kwire::Producer> producer;
  std::promise<void> sent_all, closed;
  std::shared_future<void> go = sent_all.get_future().share();
  std::atomic<bool> first{false};
  std::atomic<std::thread::id> report_thread{};
};

// Sends kRecords records and lets the first report destroy the producer (or
// close it, and then destroys it here); returns the thread that let the
// producer's configuration go (its last part).
std::thread::id run(SelfDestroying& s) {
  std::promise<std::thread::id> released;
  auto released_on = released.get_future();
  {
    // Copied into the producer's configuration: its deleter runs when the
    // last copy goes, at the end of the producer's destruction.
    std::shared_ptr<void> token(nullptr, [&released](void*) { released.set_value(std::this_thread::get_id()); });
    kwire::ProducerConfig config = kwire::ProducerConfig::from_properties(
        {{"bootstrap.servers", "fake:9092"}, {"linger.ms", "1"}, {"retry.backoff.ms", "1"}});
    config.on_error = [token](const kwire::ClientError&) {};
    s.producer = std::make_unique<kwire::Producer>(
        kwire::detail::ProducerTestAccess::make(std::move(config), kwire::test::fake_broker_backend()));
  }
  for (int i = 0; i < kRecords; ++i) {
    const auto id = static_cast<std::uint64_t>(i);
    s.reports.expect(id);
    kwire::Record r{.topic = "t", .partition = i % 4, .key = kwire::as_bytes("k"), .value = kwire::as_bytes("v")};
    r.user_id = id;
    REQUIRE_FALSE(s.producer->send(r, s.handler()));
  }
  s.sent_all.set_value();  // no call on the producer from here on
  if (s.does == FirstReport::closes) {
    s.closed.get_future().wait();
    s.producer.reset();
  }
  REQUIRE(released_on.wait_for(60s) == std::future_status::ready);
  return released_on.get();
}

// Every record reported exactly once: delivered, or, when `closed_may_fail`,
// failed with errc::producer_closed.
void check_reported_once(SelfDestroying& s, bool closed_may_fail) {
  REQUIRE(s.reports.wait(kRecords, 0s));
  for (const auto& [id, report] : s.reports.snapshot()) {
    INFO("record " << id);
    CHECK(report.fired == 1);
    if (closed_may_fail) CHECK((!report.error || report.error == kwire::errc::producer_closed));
    else CHECK_FALSE(report.error);
  }
}

// The first report destroys the producer (closing it first, or not): its
// parts go on a thread that is neither the io thread nor this one.
void destroy_in_report(FirstReport does) {
  SelfDestroying s(does);
  const std::thread::id released_on = run(s);
  CHECK(released_on != s.report_thread.load());
  CHECK(released_on != std::this_thread::get_id());
  check_reported_once(s, does == FirstReport::closes_and_destroys);
}

TEST_CASE("thread: a delivery report destroys its Producer; the close finishes off the io thread",
          "[producer][thread]") {
  // The destructor's close delivers everything (the broker takes it all).
  destroy_in_report(FirstReport::destroys);
}

TEST_CASE("thread: a delivery report closes and then destroys its Producer; every record is reported once",
          "[producer][thread]") {
  // close(0ms) on the io thread fails what it has not delivered.
  destroy_in_report(FirstReport::closes_and_destroys);
}

TEST_CASE("thread: a Producer closed from a delivery report waits for that report when destroyed",
          "[producer][thread]") {
  SelfDestroying s(FirstReport::closes);
  CHECK(run(s) == std::this_thread::get_id());
  // The destructor joined the io thread (the report had returned), then
  // failed what close(0ms) left.
  check_reported_once(s, true);
}

}  // namespace producer_destroy_from_report
