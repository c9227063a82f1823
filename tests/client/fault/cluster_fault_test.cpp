// The cluster going away under the whole Producer: a topic deleted while
// producing, every node down and back within and beyond delivery.timeout.ms,
// and buffer.memory full with blocking and non-blocking sends. Every report
// fires once, every blocking call returns within its timeout, and what the
// log holds afterwards keeps the invariants.
#include <catch2/catch.hpp>

#include <thread>

#include "fault_run.hpp"

using namespace std::chrono_literals;
using kwire::test::FaultRun;
using kwire::test::FaultRunOptions;

namespace {

void all_nodes(FaultRun& run, bool up) {
  for (std::int32_t node = 1; node <= run.broker().nodes(); ++node) {
    if (up) {
      run.broker().start_node(node);
    } else {
      run.broker().stop_node(node);
    }
  }
}

}  // namespace

TEST_CASE("fault: a topic deleted while producing fails the rest, each report once, close bounded",
          "[threads][fault_suite][cluster]") {
  FaultRunOptions o;
  o.auto_create_topics = false;
  o.producer = {{"delivery.timeout.ms", "4000"}, {"request.timeout.ms", "1000"}, {"max.block.ms", "1000"}};
  FaultRun run(o);
  run.send_range(0, 600);
  REQUIRE(run.wait_reports(600, 20s));
  run.broker().delete_topic("fault");
  std::size_t accepted = 600;
  for (std::uint64_t id = 600; id < 1200; ++id)
    if (!run.send(id)) ++accepted;
  CHECK(run.timed_close(15s) < 16s);
  REQUIRE(run.wait_reports(accepted, 5s));
  for (const auto& [id, r] : run.reports()) {
    INFO("id " << id);
    CHECK(r.fired == 1);
    if (id < 600) CHECK_FALSE(r.error);
    if (id >= 600) CHECK(r.error);
  }
}

TEST_CASE("fault: every node down, then back within delivery.timeout.ms", "[threads][fault_suite][cluster]") {
  FaultRunOptions o;
  o.producer = {{"delivery.timeout.ms", "30000"}, {"request.timeout.ms", "1500"}};
  FaultRun run(o);
  run.send_range(0, 600);
  REQUIRE(run.wait_reports(200, 20s));
  all_nodes(run, false);
  run.send_range(600, 600);
  // Down for a second (reconnects refused meanwhile); this only shapes the
  // outage, the checks wait on the reports.
  std::this_thread::sleep_for(1s);
  all_nodes(run, true);
  std::error_code flushed;
  CHECK(run.timed_flush(40s, flushed) < 41s);
  CHECK_FALSE(flushed);
  CHECK(run.timed_close(10s) < 11s);
  auto verdict = run.verdict();
  INFO(verdict.describe());
  CHECK(verdict.ok());
  CHECK(verdict.delivered == 1200);
}

TEST_CASE("fault: every node down beyond delivery.timeout.ms, then back", "[threads][fault_suite][cluster]") {
  FaultRunOptions o;
  o.producer = {{"delivery.timeout.ms", "3000"}, {"request.timeout.ms", "1000"}};
  FaultRun run(o);
  run.send_range(0, 300);
  REQUIRE(run.wait_reports(300, 20s));
  all_nodes(run, false);
  run.send_range(300, 300);
  REQUIRE(run.wait_reports(600, 20s));  // every one of them times out
  for (const auto& [id, r] : run.reports())
    if (id >= 300) CHECK(r.error == kwire::errc::delivery_timeout);
  all_nodes(run, true);
  run.send_range(600, 300);
  std::error_code flushed;
  CHECK(run.timed_flush(30s, flushed) < 31s);
  CHECK_FALSE(flushed);
  CHECK(run.timed_close(10s) < 11s);
  auto verdict = run.verdict();
  INFO(verdict.describe());
  CHECK(verdict.ok());
  CHECK(verdict.delivered == 600);
}

TEST_CASE("fault: buffer.memory full, blocking send waits max.block.ms, non-blocking refuses at once",
          "[threads][fault_suite][cluster]") {
  for (bool blocking : {true, false}) {
    DYNAMIC_SECTION((blocking ? "blocking" : "non-blocking")) {
      FaultRunOptions o;
      o.value_size = 1000;
      o.producer = {{"buffer.memory", "65536"}, {"batch.size", "8192"}, {"max.block.ms", "500"}};
      if (!blocking) o.producer["enable.manual.events.poll"] = "true";
      FaultRun run(o);
      // Metadata and a producer id first; then nothing more is answered.
      run.send_range(0, 6);
      if (!blocking) CHECK(FaultRun::wait_until([&] {
        run.producer().poll_events(10ms);
        return run.wait_reports(6, 0ms);
      }, 20s));
      REQUIRE(run.wait_reports(6, 20s));
      for (std::int32_t node = 1; node <= 3; ++node) run.broker().pause_reading(node, true);
      std::error_code refused;
      std::uint64_t id = 6;
      std::chrono::milliseconds took{0};
      for (; id < 1000 && !refused; ++id) took = run.timed([&] { refused = run.send(id); });
      CHECK(refused == (blocking ? kwire::errc::buffer_exhausted_timeout : kwire::errc::queue_full));
      CHECK(took < (blocking ? 2500ms : 200ms));
      CHECK(took >= (blocking ? 450ms : 0ms));
      for (std::int32_t node = 1; node <= 3; ++node) run.broker().pause_reading(node, false);
      std::error_code flushed;
      if (blocking) {
        CHECK(run.timed_flush(30s, flushed) < 31s);
      } else {
        const auto n = run.sent().size();
        CHECK(FaultRun::wait_until([&] {
          run.producer().poll_events(10ms);
          return run.wait_reports(n, 0ms);
        }, 30s));
      }
      CHECK_FALSE(flushed);
      CHECK(run.timed_close(10s) < 11s);
      if (!blocking) run.producer().poll_events(0ms);
      auto verdict = run.verdict();
      INFO(verdict.describe());
      CHECK(verdict.ok());
      CHECK(verdict.delivered == run.sent().size());
    }
  }
}
