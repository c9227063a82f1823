// The client's KIP-227 bookkeeping without a network (consumer/fetch_session.hpp):
// which partitions a Fetch names and forgets, the session id and epoch it
// carries, and what an answer does to the session.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "consumer/fetch_session.hpp"
#include "kwire/protocol/kafka_errc.hpp"

namespace kwire::test::fetch_session_unit {

using kwire::detail::FetchSession;
using kwire::detail::PartitionKey;
using kwire::detail::SessionPartition;
using kwire::detail::SessionRequest;
using kwire::protocol::kafka_errc;

const std::string kA = "a";
const std::string kB = "b";

SessionPartition at(const std::string& topic, std::int32_t partition, std::int64_t offset, std::int32_t epoch = 0) {
  return {PartitionKey{&topic, partition}, offset, epoch, 1024};
}

// Sorted as the fetcher hands them over (PartitionKey order).
std::vector<SessionPartition> sorted(std::vector<SessionPartition> v) {
  std::sort(v.begin(), v.end(), [](const SessionPartition& x, const SessionPartition& y) { return x.partition < y.partition; });
  return v;
}

std::vector<PartitionKey> keys(const std::vector<SessionPartition>& v) {
  std::vector<PartitionKey> out;
  for (const auto& p : v) out.push_back(p.partition);
  return out;
}

constexpr auto code(kafka_errc e) { return static_cast<std::int16_t>(e); }

// A full request (epoch 0) naming every partition of `now`, nothing forgotten.
void check_full(const SessionRequest& r, std::int32_t session_id, const std::vector<SessionPartition>& now) {
  CHECK(r.session_id == session_id);
  CHECK(r.epoch == 0);
  CHECK(!r.incremental);
  CHECK(r.send == now);
  CHECK(r.forget.empty());
}

// A session opened with id 42 over a-0, a-1, b-0 (offsets 0): the next request is incremental.
FetchSession opened(std::vector<SessionPartition>& now) {
  FetchSession s;
  now = sorted({at(kA, 0, 0), at(kA, 1, 0), at(kB, 0, 0)});
  check_full(s.next(now), 0, now);
  s.answered(0, 42);
  REQUIRE(s.open());
  REQUIRE(s.id() == 42);
  REQUIRE(s.epoch() == 1);
  return s;
}

// The cases stay in the namespace: a unity group shares one translation unit.

TEST_CASE("FetchSession: the first Fetch asks for a session and names every partition", "[consumer][session]") {
  std::vector<SessionPartition> now;
  FetchSession s = opened(now);
  CHECK(s.partitions().size() == 3);
}

TEST_CASE("FetchSession: an incremental Fetch names only added and changed partitions, forgets dropped ones",
          "[consumer][session]") {
  std::vector<SessionPartition> now;
  FetchSession s = opened(now);

  SECTION("nothing changed: no partition named, none forgotten") {
    const SessionRequest r = s.next(now);
    CHECK(r.incremental);
    CHECK(r.session_id == 42);
    CHECK(r.epoch == 1);
    CHECK(r.send.empty());
    CHECK(r.forget.empty());
  }
  SECTION("one offset moved, one leader epoch moved, one max bytes moved") {
    now[0].fetch_offset = 10;
    now[1].leader_epoch = 3;
    now[2].max_bytes = 2048;
    const SessionRequest r = s.next(now);
    CHECK(r.send == now);
    CHECK(r.forget.empty());
  }
  SECTION("a-1 dropped (paused or moved), b-1 added") {
    auto next = sorted({at(kA, 0, 0), at(kB, 0, 0), at(kB, 1, 7)});
    const SessionRequest r = s.next(next);
    CHECK(keys(r.send) == keys({at(kB, 1, 7)}));
    CHECK(r.send[0].fetch_offset == 7);
    CHECK(r.forget == std::vector<PartitionKey>{PartitionKey{&kA, 1}});
    CHECK(s.partitions().size() == 3);
    CHECK(!s.partitions().count(PartitionKey{&kA, 1}));
    s.answered(0, 42);
    SECTION("a-1 back: added again, with its offset") {
      const SessionRequest again = s.next(now);
      CHECK(again.epoch == 2);
      CHECK(keys(again.send) == std::vector<PartitionKey>{PartitionKey{&kA, 1}});
      CHECK(again.forget == std::vector<PartitionKey>{PartitionKey{&kB, 1}});
    }
  }
  SECTION("every partition dropped: all forgotten") {
    const SessionRequest r = s.next({});
    CHECK(r.send.empty());
    CHECK(r.forget == keys(now));
  }
}

TEST_CASE("FetchSession: the epoch goes up by one per answered request and wraps past INT32_MAX to 1",
          "[consumer][session]") {
  std::vector<SessionPartition> now;
  FetchSession s = opened(now);
  for (std::int32_t expected = 1; expected <= 5; ++expected) {
    const SessionRequest r = s.next(now);
    CHECK(r.epoch == expected);
    s.answered(0, 42);
  }
  CHECK(FetchSession::next_epoch(0) == 1);
  CHECK(FetchSession::next_epoch(41) == 42);
  CHECK(FetchSession::next_epoch(std::numeric_limits<std::int32_t>::max()) == 1);
  CHECK(FetchSession::next_epoch(-1) == -1);
}

TEST_CASE("FetchSession: a broker answering session id 0 to a session request gets full fetches asking again",
          "[consumer][session]") {
  FetchSession s;
  const auto now = sorted({at(kA, 0, 0), at(kA, 1, 5)});
  for (int i = 0; i < 3; ++i) {
    // Java's INITIAL: the broker may open one later (a full cache answers 0 too).
    check_full(s.next(now), 0, now);
    s.answered(0, 0);
    CHECK(!s.open());
  }
}

TEST_CASE("FetchSession: session errors, failed requests and a closed session", "[consumer][session]") {
  std::vector<SessionPartition> now;
  FetchSession s = opened(now);
  (void)s.next(now);  // epoch 1 in flight

  SECTION("FETCH_SESSION_ID_NOT_FOUND: start over with (0, 0), every partition") {
    s.answered(code(kafka_errc::fetch_session_id_not_found), 0);
    CHECK(!s.open());
    check_full(s.next(now), 0, now);
  }
  SECTION("INVALID_FETCH_SESSION_EPOCH: a full Fetch closing the session and asking for a new one") {
    s.answered(code(kafka_errc::invalid_fetch_session_epoch), 0);
    check_full(s.next(now), 42, now);
    s.answered(0, 43);
    CHECK(s.id() == 43);
    CHECK(s.epoch() == 1);
  }
  SECTION("a lost connection: the same") {
    s.failed();
    check_full(s.next(now), 42, now);
  }
  SECTION("the broker ends the session (id 0 to an incremental request): (0, 0) next") {
    s.answered(0, 0);
    CHECK(!s.open());
    check_full(s.next(now), 0, now);
  }
  SECTION("close: (id, -1), nothing named; the session is forgotten") {
    s.answered(0, 42);
    const SessionRequest r = s.close();
    CHECK(r.session_id == 42);
    CHECK(r.epoch == -1);
    CHECK(r.send.empty());
    CHECK(r.forget.empty());
    CHECK(!s.open());
    CHECK(s.partitions().empty());
  }
}

}  // namespace kwire::test::fetch_session_unit
