// The record accumulator: one open batch per partition with records encoded
// once (decoded back with the records layer's reader), readiness (full,
// linger, flush, memory pressure, close), drain per broker within
// max.request.size, retries back in order, expiry, abort, and exact
// buffer.memory accounting.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "kwire/errors.hpp"
#include "kwire/protocol/records/batch_reader.hpp"
#include "producer/accumulator/record_accumulator.hpp"

using namespace kwire::detail;
using Clock = std::chrono::steady_clock;
using kwire::Bytes;
using kwire::protocol::as_bytes;

namespace {

struct Reports {
  std::vector<std::pair<std::error_code, kwire::RecordMetadata>> got;
  kwire::DeliveryHandler handler() {
    return [this](std::error_code ec, kwire::RecordMetadata md) { got.emplace_back(ec, std::move(md)); };
  }
};

AccumulatorOptions small_options() {
  AccumulatorOptions o;
  o.batch_size = 1024;
  o.linger = std::chrono::milliseconds(1000);
  o.buffer_memory = 8 * 1024;
  o.max_request_size = 4096;
  return o;
}

std::optional<std::int32_t> two_nodes(std::string_view, std::int32_t p) { return p % 2; }

std::error_code append(RecordAccumulator& acc, std::string_view topic, std::int32_t partition, const std::string& value,
                       Reports* reports, std::uint64_t id = 0) {
  DeliveryEntry e;
  if (reports) e.handler = reports->handler();
  e.user_id = id;
  auto r = acc.append(topic, partition, 1000 + static_cast<std::int64_t>(id), as_bytes("k" + std::to_string(id)),
                      as_bytes(value), {}, e, Clock::now() + std::chrono::milliseconds(100));
  return r.error;
}

}  // namespace

TEST_CASE("accumulator: records go into one open batch per partition, encoded once") {
  DeliveryDispatcher dispatcher(false);
  RecordAccumulator acc(small_options(), dispatcher);
  Reports reports;
  kwire::Header h{"h1", as_bytes("hv")};
  for (std::uint64_t i = 0; i < 5; ++i) {
    DeliveryEntry e;
    e.handler = reports.handler();
    e.user_id = i;
    std::string key = "key" + std::to_string(i), value = "value" + std::to_string(i);
    REQUIRE_FALSE(acc.append("t", 0, 5000 + static_cast<std::int64_t>(i), as_bytes(key), as_bytes(value),
                             std::span(&h, 1), e, Clock::now())
                      .error);
  }
  auto now = Clock::now() + std::chrono::seconds(2);  // past linger
  auto ready = acc.ready(two_nodes, now);
  REQUIRE(ready.ready_nodes == std::vector<std::int32_t>{0});
  auto drained = acc.drain(two_nodes, ready.ready_nodes, 1 << 20, {}, now);
  REQUIRE(drained[0].size() == 1);
  ProducerBatch& b = *drained[0][0];
  CHECK(b.record_count() == 5);
  REQUIRE(b.is_closed());

  kwire::protocol::records::BatchReader reader(b.records());
  REQUIRE(reader.next_batch());
  CHECK(reader.batch().record_count == 5);
  kwire::protocol::records::RecordView rv;
  int n = 0;
  while (reader.next_record(rv)) {
    CHECK(rv.offset == n);
    CHECK(rv.timestamp == 5000 + n);
    CHECK(kwire::protocol::as_string(*rv.key) == "key" + std::to_string(n));
    CHECK(kwire::protocol::as_string(*rv.value) == "value" + std::to_string(n));
    REQUIRE(rv.headers.size() == 1);
    CHECK((*rv.headers.begin()).key == "h1");
    ++n;
  }
  CHECK_FALSE(reader.error());
  CHECK(n == 5);

  b.complete(100, -1, {});
  REQUIRE(reports.got.size() == 5);
  for (std::size_t i = 0; i < 5; ++i) {
    CHECK_FALSE(reports.got[i].first);
    CHECK(reports.got[i].second.offset == 100 + static_cast<std::int64_t>(i));
    CHECK(reports.got[i].second.user_id == i);
    CHECK(reports.got[i].second.topic == "t");
    CHECK(reports.got[i].second.timestamp_ms == 5000 + static_cast<std::int64_t>(i));
    CHECK(reports.got[i].second.timestamp_type == kwire::TimestampType::create_time);
  }
  CHECK(acc.pool().available() == acc.pool().total());
  CHECK(acc.incomplete() == 0);
}

TEST_CASE("accumulator: a full batch is ready before linger, and a new one starts") {
  DeliveryDispatcher dispatcher(false);
  RecordAccumulator acc(small_options(), dispatcher);
  const std::string value(300, 'v');
  for (int i = 0; i < 4; ++i) REQUIRE_FALSE(append(acc, "t", 1, value, nullptr, static_cast<std::uint64_t>(i)));
  auto now = Clock::now();
  auto ready = acc.ready(two_nodes, now);
  CHECK(ready.ready_nodes == std::vector<std::int32_t>{1});  // 4 x ~320 B > 1024: first batch full
  auto drained = acc.drain(two_nodes, ready.ready_nodes, 1 << 20, {}, now);
  REQUIRE(drained[1].size() == 1);
  CHECK(drained[1][0]->record_count() == 3);
  CHECK(drained[1][0]->size_bytes() <= 1024);
  // The second batch (one record) is not ready until linger.ms.
  auto later = acc.ready(two_nodes, now);
  CHECK(later.ready_nodes.empty());
  REQUIRE(later.next_check.has_value());
  CHECK(*later.next_check > now);
  CHECK(acc.ready(two_nodes, now + std::chrono::milliseconds(1100)).ready_nodes == std::vector<std::int32_t>{1});
  drained[1][0]->complete(0, -1, {});
}

TEST_CASE("accumulator: flush and close make everything ready") {
  DeliveryDispatcher dispatcher(false);
  RecordAccumulator acc(small_options(), dispatcher);
  REQUIRE_FALSE(append(acc, "t", 0, "x", nullptr));
  auto now = Clock::now();
  CHECK(acc.ready(two_nodes, now).ready_nodes.empty());
  // flush() with an immediate deadline still marks the batches for sending.
  CHECK_FALSE(acc.flush(Clock::now()));
  // After a flush the batch is full, so it is ready without linger.
  CHECK(acc.ready(two_nodes, now).ready_nodes == std::vector<std::int32_t>{0});

  RecordAccumulator acc2(small_options(), dispatcher);
  REQUIRE_FALSE(append(acc2, "t", 2, "x", nullptr));
  CHECK(acc2.ready(two_nodes, now).ready_nodes.empty());
  acc2.close();
  CHECK(acc2.ready(two_nodes, now).ready_nodes == std::vector<std::int32_t>{0});
  CHECK(append(acc2, "t", 2, "y", nullptr) == kwire::errc::producer_closed);
}

TEST_CASE("accumulator: unknown leaders are reported for a metadata refresh") {
  DeliveryDispatcher dispatcher(false);
  RecordAccumulator acc(small_options(), dispatcher);
  REQUIRE_FALSE(append(acc, "nowhere", 0, "x", nullptr));
  auto r = acc.ready([](std::string_view, std::int32_t) { return std::optional<std::int32_t>(); },
                     Clock::now() + std::chrono::seconds(5));
  CHECK(r.ready_nodes.empty());
  CHECK(r.unknown_leader_topics == std::vector<std::string>{"nowhere"});
}

TEST_CASE("accumulator: drain keeps each request within max.request.size, one batch per partition") {
  DeliveryDispatcher dispatcher(false);
  AccumulatorOptions o = small_options();
  o.buffer_memory = 64 * 1024;
  RecordAccumulator acc(o, dispatcher);
  const std::string value(900, 'v');
  for (std::int32_t p = 0; p < 8; p += 2) {  // partitions 0,2,4,6 on node 0
    for (int i = 0; i < 2; ++i) REQUIRE_FALSE(append(acc, "t", p, value, nullptr));
  }
  auto now = Clock::now() + std::chrono::seconds(5);
  std::vector<std::int32_t> nodes{0};
  auto d = acc.drain(two_nodes, nodes, 2500, {}, now);
  REQUIRE(d[0].size() == 2);  // ~1 KiB each: two fit in 2500 bytes
  std::size_t total = 0;
  std::set<std::int32_t> partitions;
  for (auto& b : d[0]) {
    total += b->size_bytes();
    partitions.insert(b->partition());
    b->complete(0, -1, {});
  }
  CHECK(total <= 2500);
  CHECK(partitions.size() == 2);
  // A single batch larger than the limit still goes alone.
  auto big = acc.drain(two_nodes, nodes, 10, {}, now);
  CHECK(big[0].size() == 1);
  for (auto& b : big[0]) b->complete(0, -1, {});
  // The filter skips muted partitions.
  auto none = acc.drain(two_nodes, nodes, 1 << 20, [](const ProducerBatch&) { return false; }, now);
  CHECK(none[0].empty());
}

TEST_CASE("accumulator: a retried batch goes back in front of newer ones, in sequence order") {
  DeliveryDispatcher dispatcher(false);
  AccumulatorOptions o = small_options();
  o.buffer_memory = 64 * 1024;
  RecordAccumulator acc(o, dispatcher);
  Reports reports;
  const std::string value(600, 'v');
  for (std::uint64_t i = 0; i < 4; ++i) REQUIRE_FALSE(append(acc, "t", 0, value, &reports, i));  // 4 batches
  auto now = Clock::now() + std::chrono::seconds(5);
  std::vector<std::int32_t> nodes{0};
  std::vector<BatchPtr> inflight;
  for (int i = 0; i < 3; ++i) {
    auto d = acc.drain(two_nodes, nodes, 1 << 20, {}, now);
    REQUIRE(d[0].size() == 1);
    d[0][0]->set_producer_state(7, 0, i, false);
    inflight.push_back(std::move(d[0][0]));
  }
  // Back in reverse order: the accumulator restores sequence order.
  for (int i = 2; i >= 0; --i) {
    inflight[static_cast<std::size_t>(i)]->prepare_retry(now);
    acc.reenqueue(std::move(inflight[static_cast<std::size_t>(i)]));
  }
  std::vector<std::uint64_t> order;
  for (int i = 0; i < 4; ++i) {
    auto d = acc.drain(two_nodes, nodes, 1 << 20, {}, now);
    REQUIRE(d[0].size() == 1);
    d[0][0]->complete(10 * i, -1, {});
  }
  REQUIRE(reports.got.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) CHECK(reports.got[i].second.user_id == i);
}

TEST_CASE("accumulator: retry backoff holds a batch back") {
  DeliveryDispatcher dispatcher(false);
  RecordAccumulator acc(small_options(), dispatcher);
  REQUIRE_FALSE(append(acc, "t", 0, "x", nullptr));
  auto now = Clock::now() + std::chrono::seconds(5);
  std::vector<std::int32_t> nodes{0};
  auto d = acc.drain(two_nodes, nodes, 1 << 20, {}, now);
  REQUIRE(d[0].size() == 1);
  d[0][0]->prepare_retry(now + std::chrono::milliseconds(100));
  acc.reenqueue(std::move(d[0][0]));
  auto r = acc.ready(two_nodes, now);
  CHECK(r.ready_nodes.empty());
  REQUIRE(r.next_check);
  CHECK(*r.next_check == now + std::chrono::milliseconds(100));
  CHECK(acc.drain(two_nodes, nodes, 1 << 20, {}, now)[0].empty());
  CHECK(acc.ready(two_nodes, now + std::chrono::milliseconds(100)).ready_nodes == std::vector<std::int32_t>{0});
}

TEST_CASE("accumulator: abort_all and expiry fire every report exactly once") {
  DeliveryDispatcher dispatcher(false);
  AccumulatorOptions o = small_options();
  o.delivery_timeout = std::chrono::milliseconds(50);
  RecordAccumulator acc(o, dispatcher);
  Reports reports;
  for (std::uint64_t i = 0; i < 3; ++i) REQUIRE_FALSE(append(acc, "t", static_cast<std::int32_t>(i), "x", &reports, i));
  auto expired = acc.take_expired(Clock::now() + std::chrono::seconds(1));
  REQUIRE(expired.size() == 3);
  for (auto& b : expired) b->complete(-1, -1, kwire::errc::delivery_timeout);
  for (auto& b : expired) CHECK_FALSE(b->complete(0, -1, {}));  // second completion ignored
  REQUIRE(reports.got.size() == 3);
  for (auto& [ec, md] : reports.got) {
    CHECK(ec == kwire::errc::delivery_timeout);
    CHECK(md.offset == -1);
  }
  for (std::uint64_t i = 0; i < 2; ++i) REQUIRE_FALSE(append(acc, "t", 0, "y", &reports, 10 + i));
  acc.abort_all(kwire::errc::producer_closed);
  REQUIRE(reports.got.size() == 5);
  CHECK(reports.got[3].first == kwire::errc::producer_closed);
  CHECK(reports.got[4].first == kwire::errc::producer_closed);
  CHECK(acc.pool().available() == acc.pool().total());
}

TEST_CASE("accumulator: a dropped batch still reports; per-record errors hit the right records") {
  DeliveryDispatcher dispatcher(false);
  RecordAccumulator acc(small_options(), dispatcher);
  Reports reports;
  for (std::uint64_t i = 0; i < 3; ++i) REQUIRE_FALSE(append(acc, "t", 0, "x", &reports, i));
  REQUIRE_FALSE(append(acc, "t", 1, "x", &reports, 99));
  std::vector<std::int32_t> nodes{0, 1};
  auto d = acc.drain(two_nodes, nodes, 1 << 20, {}, Clock::now() + std::chrono::seconds(5));
  REQUIRE(d[0].size() == 1);
  RecordError errs[] = {{1, make_error_code(kwire::errc::invalid_record)}};
  d[0][0]->complete_with_record_errors(-1, kwire::errc::batch_full, errs);
  REQUIRE(reports.got.size() == 3);
  CHECK(reports.got[0].first == kwire::errc::batch_full);
  CHECK(reports.got[1].first == kwire::errc::invalid_record);
  CHECK(reports.got[2].first == kwire::errc::batch_full);
  d[1].clear();  // destroyed without complete(): reports producer_closed
  REQUIRE(reports.got.size() == 4);
  CHECK(reports.got[3].first == kwire::errc::producer_closed);
  CHECK(reports.got[3].second.user_id == 99);
}

TEST_CASE("accumulator: buffer.memory bounds appends; non-blocking mode fails with queue_full") {
  DeliveryDispatcher dispatcher(true);
  AccumulatorOptions o = small_options();
  o.buffer_memory = 3 * 1024;
  o.block_when_full = false;
  RecordAccumulator acc(o, dispatcher);
  for (std::int32_t p = 0; p < 3; ++p) REQUIRE_FALSE(append(acc, "t", p, "x", nullptr));
  CHECK(acc.pool().available() == 0);
  CHECK(append(acc, "t", 3, "x", nullptr) == kwire::errc::queue_full);
  // Appends to existing open batches need no new memory.
  CHECK_FALSE(append(acc, "t", 0, "x", nullptr));
}

TEST_CASE("accumulator: blocking mode times out after max.block.ms, and memory pressure makes all ready") {
  DeliveryDispatcher dispatcher(false);
  AccumulatorOptions o = small_options();
  o.buffer_memory = 2 * 1024;
  RecordAccumulator acc(o, dispatcher);
  for (std::int32_t p = 0; p < 2; ++p) REQUIRE_FALSE(append(acc, "t", p, "x", nullptr));
  DeliveryEntry e;
  auto r = acc.append("t", 5, 0, std::nullopt, as_bytes("x"), {}, e, Clock::now() + std::chrono::milliseconds(30));
  CHECK(r.error == kwire::errc::buffer_exhausted_timeout);

  std::error_code blocked_result;
  std::thread blocked([&] {
    DeliveryEntry e2;
    blocked_result = acc.append("t", 5, 0, std::nullopt, as_bytes("x"), {}, e2, Clock::now() + std::chrono::seconds(30)).error;
  });
  while (acc.pool().waiters() == 0) std::this_thread::yield();
  // Someone waits for memory: every batch is ready regardless of linger.
  auto ready = acc.ready(two_nodes, Clock::now());
  CHECK(ready.ready_nodes.size() == 2);
  auto d = acc.drain(two_nodes, ready.ready_nodes, 1 << 20, {}, Clock::now());
  for (auto& [node, batches] : d)
    for (auto& b : batches) b->complete(0, -1, {});
  blocked.join();
  CHECK_FALSE(blocked_result);
}

TEST_CASE("accumulator: manual poll mode queues reports for poll()") {
  DeliveryDispatcher dispatcher(true);
  RecordAccumulator acc(small_options(), dispatcher);
  Reports reports;
  for (std::uint64_t i = 0; i < 4; ++i) REQUIRE_FALSE(append(acc, "t", 0, "x", &reports, i));
  std::vector<std::int32_t> nodes{0};
  auto d = acc.drain(two_nodes, nodes, 1 << 20, {}, Clock::now() + std::chrono::seconds(5));
  d[0][0]->complete(7, 1234, {});
  CHECK(reports.got.empty());
  CHECK(dispatcher.poll(std::chrono::milliseconds(0)) == 4);
  REQUIRE(reports.got.size() == 4);
  CHECK(reports.got[3].second.offset == 10);
  CHECK(reports.got[3].second.timestamp_ms == 1234);
  CHECK(reports.got[3].second.timestamp_type == kwire::TimestampType::log_append_time);
  CHECK(dispatcher.poll(std::chrono::milliseconds(0)) == 0);
}
