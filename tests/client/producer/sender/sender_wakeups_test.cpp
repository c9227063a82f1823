// The sender sleeps until something can change what it would do: no
// periodic tick. A batch waiting for its leader neither wakes it meanwhile
// nor waits past the moment a refresh names the leader.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <thread>

#include "kwire/errors.hpp"
#include "sender_checks.hpp"

using namespace std::chrono_literals;

namespace sender_wakeups_test {

using kwire::test::SenderHarness;
using kwire::test::value_of;

std::uint64_t rounds(SenderHarness& h) {
  std::uint64_t n = 0;
  h.on_io([&] { n = h.sender.rounds(); });
  return n;
}

// Until the sender asked for the missing leader (its first round after the append).
bool wait_for_refresh_request(SenderHarness& h) {
  for (int i = 0; i < 500; ++i) {
    int asked = 0;
    h.on_io([&] { asked = h.broker.metadata_refreshes; });
    if (asked > 0) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

TEST_CASE("sender: a batch waiting for a leader wakes the sender only when a refresh brings one", "[sender]") {
  auto acc = SenderHarness::small_batches();
  // Long enough that a leader learned only at the delivery deadline shows as
  // a delivery_timeout report instead of a delivered record.
  acc.delivery_timeout = 3s;
  SenderHarness h(acc);
  h.start();
  REQUIRE_FALSE(h.send("t", 0, value_of(0), 0));
  REQUIRE(wait_for_refresh_request(h));

  // Nothing changes for a while: a sender with a periodic tick (once 50 ms)
  // goes round several times here, one waiting for events does not at all.
  // The pause only gives a tick the chance to show; a slower machine makes
  // it show more, never less.
  const std::uint64_t before = rounds(h);
  std::this_thread::sleep_for(400ms);
  const std::uint64_t after = rounds(h);
  CHECK(after - before <= 1);

  // The leader arrives (as a metadata refresh would bring it): the record goes
  // now, not when its delivery deadline wakes the sender.
  h.on_io([&] { h.broker.set_leader("t", 0, 1); });
  REQUIRE(h.reports.wait_reported(0, 10s));
  const auto report = h.snapshot().at(0);
  CHECK(report.fired == 1);
  CHECK_FALSE(report.error);
  std::size_t logged = 0;
  h.on_io([&] { logged = h.broker.log("t", 0).size(); });
  CHECK(logged == 1);
  h.close(5s);
  CHECK(h.closed);
}

}  // namespace sender_wakeups_test
