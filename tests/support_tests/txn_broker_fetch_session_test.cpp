// The TxnBroker's broker-side fetch sessions (txn_broker_fetch_session_cache.hpp)
// held to KIP-227 without a client: a session opened on epoch 0, strict ids
// and epochs, incremental answers listing only partitions with news, forgotten
// partitions leaving the session, closes, refusal, and a waiting Fetch that
// changes nothing until it is answered. Expected codes are Kafka's.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "kwire/protocol/messages/fetch_request.hpp"
#include "kwire/protocol/messages/fetch_response.hpp"
#include "txn_broker_fetch_session_cache.hpp"

namespace kwire::test::fetch_session_cache_test {

namespace msg = kwire::protocol::messages;
using kwire::test::txn::FetchSessionCache;
using kwire::test::txn::FetchSessionContext;
using PartitionData = msg::FetchResponse::FetchableTopicResponse::PartitionData;

constexpr std::int16_t kNotFound = 70, kInvalidEpoch = 71;
constexpr std::int16_t kVersion = 12;

// A Fetch for topic "t": (partition, offset) pairs, forgotten partitions.
msg::FetchRequest request(std::int32_t id, std::int32_t epoch, std::vector<std::pair<std::int32_t, std::int64_t>> parts,
                          std::vector<std::int32_t> forget = {}) {
  msg::FetchRequest req;
  req.session_id = id;
  req.session_epoch = epoch;
  if (!parts.empty()) {
    req.topics.emplace_back();
    req.topics.back().topic = "t";
    for (auto [p, offset] : parts) {
      msg::FetchRequest::FetchTopic::FetchPartition fp;
      fp.partition = p;
      fp.fetch_offset = offset;
      fp.partition_max_bytes = 1024;
      req.topics.back().partitions.push_back(fp);
    }
  }
  if (!forget.empty()) {
    req.forgotten_topics_data.emplace_back();
    req.forgotten_topics_data.back().topic = "t";
    req.forgotten_topics_data.back().partitions = forget;
  }
  return req;
}

PartitionData answer(std::int32_t p, std::int64_t high_watermark, bool records = false, std::int16_t error = 0) {
  PartitionData pd;
  pd.partition_index = p;
  pd.high_watermark = high_watermark;
  pd.last_stable_offset = high_watermark;
  pd.log_start_offset = 0;
  pd.error_code = error;
  static const std::vector<std::uint8_t> bytes(10, 0);
  if (records) pd.records = kwire::protocol::Bytes(bytes);
  return pd;
}

std::vector<std::int32_t> targets(const FetchSessionContext& ctx) {
  std::vector<std::int32_t> out;
  for (const auto& t : ctx.targets) out.push_back(t.partition);
  return out;
}

// Answers ctx with the partitions of `parts` that must be answered; returns the answer's session id.
std::int32_t commit(FetchSessionCache& cache, FetchSessionContext& ctx, const std::vector<PartitionData>& parts) {
  msg::FetchResponse resp;
  resp.responses.emplace_back();
  resp.responses.back().topic = "t";
  for (const auto& pd : parts)
    if (cache.must_answer(ctx, pd, "t")) resp.responses.back().partitions.push_back(pd);
  return cache.commit(ctx, resp);
}

// A session on node 1 over t-0 and t-1 (both at offset 0, high watermark 5).
std::int32_t open_session(FetchSessionCache& cache) {
  auto ctx = cache.open(1, kVersion, request(0, 0, {{0, 0}, {1, 0}}));
  REQUIRE(ctx.error == 0);
  REQUIRE(!ctx.incremental);
  const std::int32_t id = commit(cache, ctx, {answer(0, 5, true), answer(1, 5, true)});
  REQUIRE(id != 0);
  REQUIRE(cache.open_sessions(1) == 1);
  return id;
}

TEST_CASE("TxnBroker fetch sessions: incremental requests are served from the session, strictly",
          "[txn_broker][session]") {
  FetchSessionCache cache;
  const std::int32_t id = open_session(cache);

  // Epoch 1: t-0 moves to 5, nothing else named; the session serves both.
  auto ctx = cache.open(1, kVersion, request(id, 1, {{0, 5}}));
  REQUIRE(ctx.error == 0);
  CHECK(ctx.incremental);
  CHECK(targets(ctx) == std::vector<std::int32_t>{0, 1});
  CHECK(ctx.targets[0].fetch_offset == 5);
  CHECK(ctx.targets[1].fetch_offset == 0);  // as the session holds it
  // Only news is listed: t-1 unchanged (same watermarks, no records) is left out.
  CHECK(!cache.must_answer(ctx, answer(1, 5), "t"));
  CHECK(cache.must_answer(ctx, answer(1, 6), "t"));        // high watermark moved
  CHECK(cache.must_answer(ctx, answer(1, 5, true), "t"));  // records
  CHECK(cache.must_answer(ctx, answer(1, -1, false, 6), "t"));  // an error
  // A waiting Fetch is opened again: nothing changed in between.
  auto again = cache.open(1, kVersion, request(id, 1, {{0, 5}}));
  CHECK(again.error == 0);
  CHECK(commit(cache, ctx, {answer(0, 5), answer(1, 5)}) == id);
  CHECK(cache.seen.back().answered.empty());

  SECTION("the epoch just used again: INVALID_FETCH_SESSION_EPOCH") {
    CHECK(cache.open(1, kVersion, request(id, 1, {})).error == kInvalidEpoch);
    CHECK(cache.open(1, kVersion, request(id, 3, {})).error == kInvalidEpoch);
    CHECK(cache.open(1, kVersion, request(id, 2, {})).error == 0);
  }
  SECTION("an unknown id, or the session of another node: FETCH_SESSION_ID_NOT_FOUND") {
    CHECK(cache.open(1, kVersion, request(id + 1, 2, {})).error == kNotFound);
    CHECK(cache.open(2, kVersion, request(id, 2, {})).error == kNotFound);
  }
  SECTION("evicted: FETCH_SESSION_ID_NOT_FOUND") {
    cache.evict(0);
    CHECK(cache.open(1, kVersion, request(id, 2, {})).error == kNotFound);
  }
  SECTION("a forgotten partition leaves the session") {
    auto forget = cache.open(1, kVersion, request(id, 2, {}, {1}));
    REQUIRE(forget.error == 0);
    CHECK(targets(forget) == std::vector<std::int32_t>{0});
    commit(cache, forget, {answer(0, 5)});
    auto after = cache.open(1, kVersion, request(id, 3, {}));
    CHECK(targets(after) == std::vector<std::int32_t>{0});
    SECTION("and comes back when named again, answered as new") {
      auto back = cache.open(1, kVersion, request(id, 3, {{1, 5}}));
      CHECK(targets(back) == std::vector<std::int32_t>{0, 1});
      CHECK(cache.must_answer(back, answer(1, 5), "t"));
    }
  }
  SECTION("epoch -1 closes the session; no new one") {
    auto close = cache.open(1, kVersion, request(id, -1, {}));
    REQUIRE(close.error == 0);
    CHECK(commit(cache, close, {}) == 0);
    CHECK(cache.open_sessions(0) == 0);
  }
  SECTION("epoch 0 naming the session closes it and opens another") {
    auto reopen = cache.open(1, kVersion, request(id, 0, {{0, 5}, {1, 0}}));
    const std::int32_t next = commit(cache, reopen, {answer(0, 5), answer(1, 5)});
    CHECK(next != 0);
    CHECK(next != id);
    CHECK(cache.open_sessions(1) == 1);
    CHECK(cache.open(1, kVersion, request(id, 2, {})).error == kNotFound);
  }
}

TEST_CASE("TxnBroker fetch sessions: refused, and none below Fetch v7", "[txn_broker][session]") {
  FetchSessionCache cache;
  SECTION("refused: a session request is answered with id 0") {
    cache.enabled = false;
    auto ctx = cache.open(1, kVersion, request(0, 0, {{0, 0}}));
    CHECK(commit(cache, ctx, {answer(0, 5)}) == 0);
  }
  SECTION("Fetch v6 carries no session fields") {
    auto ctx = cache.open(1, 6, request(0, 0, {{0, 0}}));
    CHECK(commit(cache, ctx, {answer(0, 5)}) == 0);
  }
  CHECK(cache.open_sessions(0) == 0);
}

}  // namespace kwire::test::fetch_session_cache_test
