// The fault suite's judge can fail: check_delivery_invariants() on made-up
// runs, one per way a producer can break its promise.
#include <catch2/catch.hpp>

#include "delivery_invariants.hpp"

using kwire::test::check_delivery_invariants;
using kwire::test::DeliveryReport;
using kwire::test::LoggedId;
using kwire::test::SentId;

namespace {

struct Case {
  std::vector<SentId> sent{{1, 0}, {2, 0}, {3, 1}};
  std::map<std::uint64_t, DeliveryReport> reports;
  std::vector<LoggedId> log{{0, 0, 1}, {0, 1, 2}, {1, 0, 3}};
  Case() {
    for (const auto& l : log) {
      DeliveryReport r;
      r.fired = 1;
      r.metadata.partition = l.partition;
      r.metadata.offset = l.offset;
      reports[l.id] = r;
    }
  }
  bool ok() const { return check_delivery_invariants(sent, reports, log).ok(); }
};

}  // namespace

TEST_CASE("delivery invariants: a clean run passes, each breach fails", "[fault_suite][invariants]") {
  Case c;
  CHECK(c.ok());
  SECTION("a report fired twice") {
    c.reports[2].fired = 2;
    CHECK_FALSE(c.ok());
  }
  SECTION("a report never fired") {
    c.reports[3].fired = 0;
    CHECK_FALSE(c.ok());
  }
  SECTION("delivered but not in the log") {
    c.log.pop_back();
    CHECK_FALSE(c.ok());
  }
  SECTION("written twice") {
    c.log.push_back({1, 1, 3});
    CHECK_FALSE(c.ok());
  }
  SECTION("out of order") {
    std::swap(c.log[0].id, c.log[1].id);
    c.reports[1].metadata.offset = 1;
    c.reports[2].metadata.offset = 0;
    CHECK_FALSE(c.ok());
  }
  SECTION("at another offset than reported") {
    c.reports[3].metadata.offset = 7;
    CHECK_FALSE(c.ok());
  }
  SECTION("a record never sent") {
    c.log.push_back({1, 1, 99});
    CHECK_FALSE(c.ok());
  }
  SECTION("failed and not in the log is allowed; failed and in the log is counted") {
    c.reports[3].error = std::make_error_code(std::errc::timed_out);
    c.reports[3].metadata.outcome = kwire::DeliveryOutcome::possibly_written;  // sent, end unknown
    auto v = check_delivery_invariants(c.sent, c.reports, c.log);
    CHECK(v.ok());
    CHECK(v.failed_but_in_log == 1);
  }
  SECTION("read_committed must hold exactly the committed ids") {
    kwire::test::InvariantOptions o;
    o.committed = std::set<std::uint64_t>{1, 2};
    CHECK(check_delivery_invariants(c.sent, c.reports, c.log, o, {{0, 0, 1}, {0, 1, 2}}).ok());
    CHECK_FALSE(check_delivery_invariants(c.sent, c.reports, c.log, o, {{0, 0, 1}}).ok());
    CHECK_FALSE(check_delivery_invariants(c.sent, c.reports, c.log, o, c.log).ok());
  }
}
