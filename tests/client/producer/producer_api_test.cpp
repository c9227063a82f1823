// The public Producer API on an in-process broker (the sender tests'
// FakeBroker behind the backend interface): async_send with callbacks,
// futures and coroutines, send_and_wait, the callback overload, flush, close
// with reports, manual poll mode, borrowed values, direct batch control, and
// the immediate errors (oversized record, unknown topic within max.block.ms,
// invalid partition). A full buffer: producer_queue_full_test.cpp.
#include <catch2/catch.hpp>

#include "producer_api_cluster.hpp"

namespace producer_api {

TEST_CASE("producer api: async_send with a callback, send() future, send_and_wait") {
  Cluster cluster;
  kwire::Producer producer = cluster.make();
  std::promise<std::pair<std::error_code, kwire::RecordMetadata>> cb;
  std::string k = "k1", v = "v1";
  auto r = record(k, v, 1);
  r.user_id = 77;
  r.timestamp_ms = 1'700'000'000'000;
  producer.async_send(r, [&cb](std::error_code ec, kwire::RecordMetadata md) { cb.set_value({ec, std::move(md)}); });
  auto [ec, md] = cb.get_future().get();
  CHECK_FALSE(ec);
  CHECK(md.topic == "t");
  CHECK(md.partition == 1);
  CHECK(md.offset == 0);
  CHECK(md.user_id == 77);
  CHECK(md.timestamp_ms == 1'700'000'000'000);
  CHECK(md.timestamp_type == kwire::TimestampType::create_time);

  std::future<kwire::RecordMetadata> f = producer.send(record(k, "v2", 1));
  kwire::RecordMetadata md2 = f.get();
  CHECK(md2.offset == 1);

  kwire::RecordMetadata md3 = producer.send_and_wait(record(k, "v3", 1));
  CHECK(md3.offset == 2);

  // Keyed without a partition: where the Java client's murmur2 puts it.
  kwire::RecordMetadata md4 = producer.send_and_wait(record("order-9", "v"));
  CHECK(md4.partition == kwire::murmur2_partition(kwire::as_bytes(std::string("order-9")), 4));
  producer.close(5s);
  const auto& log = cluster.broker->log("t", 1);
  REQUIRE(log.size() >= 3);
  CHECK(log[0].value == "v1");
  CHECK(log[1].value == "v2");
  CHECK(log[2].value == "v3");
  CHECK(log[0].timestamp == 1'700'000'000'000);
}

TEST_CASE("producer api: async_send with use_awaitable in a coroutine") {
  Cluster cluster;
  kwire::Producer producer = cluster.make();
  asio::io_context user_io;
  std::vector<std::int64_t> offsets;
  asio::co_spawn(
      user_io,
      [&]() -> asio::awaitable<void> {
        for (int i = 0; i < 3; ++i) {
          auto md = co_await producer.async_send(record("k", "c" + std::to_string(i), 2), asio::use_awaitable);
          offsets.push_back(md.offset);
        }
      },
      asio::detached);
  user_io.run();
  CHECK(offsets == std::vector<std::int64_t>{0, 1, 2});
}

TEST_CASE("producer api: callback overload, flush, and exactly one report per record") {
  Cluster cluster;
  kwire::Producer producer = cluster.make({{"linger.ms", "10000"}});
  kwire::test::DeliveryRecorder reports;  // reports run on the io thread: no Catch2 assertions there
  const int n = 200;
  for (int i = 0; i < n; ++i) {
    std::string key = "key" + std::to_string(i), value = "value";
    auto r = record(key, value);
    r.user_id = static_cast<std::uint64_t>(i);
    REQUIRE_FALSE(producer.send(r, reports.handler()));
  }
  // linger.ms is 10 s: only flush makes these go now.
  REQUIRE_FALSE(producer.flush(10s));
  {
    const auto got = reports.snapshot();
    CHECK(got.size() == static_cast<std::size_t>(n));
    for (const auto& [id, report] : got) {
      CHECK(report.fired == 1);
      CHECK_FALSE(report.error);
    }
  }
  producer.close(5s);
  for (const auto& [id, report] : reports.snapshot()) CHECK(report.fired == 1);
}

TEST_CASE("producer api: an oversized record is rejected at once, clearly") {
  Cluster cluster;
  kwire::Producer producer = cluster.make({{"max.request.size", "1000"}});
  std::string big(2000, 'x');
  auto f = producer.send(record("k", big, 0));
  try {
    f.get();
    FAIL("oversized record accepted");
  } catch (const std::system_error& e) {
    CHECK(e.code() == kwire::errc::record_too_large);
  }
  int called = 0;
  auto ec = producer.send(record("k", big, 0), [&](std::error_code, kwire::RecordMetadata) { ++called; });
  CHECK(ec == kwire::errc::record_too_large);
  CHECK(called == 0);
}

TEST_CASE("producer api: an unknown topic fails within max.block.ms") {
  Cluster cluster;
  kwire::Producer producer = cluster.make({{"max.block.ms", "100"}});
  std::string k = "k", v = "v";
  kwire::Record r = record(k, v);
  r.topic = "no-such-topic";
  auto start = std::chrono::steady_clock::now();
  kwire::RecordMetadata md;
  auto ec = producer.send_and_wait(r, md);
  auto took = std::chrono::steady_clock::now() - start;
  CHECK(ec == kwire::errc::metadata_timeout);
  CHECK(took >= 100ms);
  CHECK(took < 5s);
}

TEST_CASE("producer api: an explicit partition out of range is an error") {
  Cluster cluster;
  kwire::Producer producer = cluster.make();
  kwire::RecordMetadata md;
  CHECK(producer.send_and_wait(record("k", "v", 4), md) == kwire::errc::invalid_partition);
  CHECK(producer.send_and_wait(record("k", "v", -2), md) == kwire::errc::invalid_partition);
}

TEST_CASE("producer api: manual poll mode queues reports; a full buffer fails with queue_full") {
  Cluster cluster;
  kwire::Producer producer =
      cluster.make({{"enable.manual.events.poll", "true"}, {"buffer.memory", "2048"}, {"batch.size", "1024"},
                    {"linger.ms", "60000"}});
  std::thread::id report_thread;
  int fired = 0;
  auto cb = [&](std::error_code ec, kwire::RecordMetadata) {
    CHECK_FALSE(ec);
    report_thread = std::this_thread::get_id();
    ++fired;
  };
  REQUIRE_FALSE(producer.send(record("k", "a", 0), cb));
  REQUIRE_FALSE(producer.send(record("k", "b", 1), cb));
  // Two open batches hold all of buffer.memory: a third partition cannot start one.
  auto start = std::chrono::steady_clock::now();
  CHECK(producer.send(record("k", "c", 2), cb) == kwire::errc::queue_full);
  CHECK(std::chrono::steady_clock::now() - start < 1s);  // did not block
  CHECK(producer.flush(10s) == std::error_code());
  CHECK(fired == 0);  // queued, not fired
  std::size_t polled = 0;
  while (polled < 2) polled += producer.poll_events(100ms);
  CHECK(fired == 2);
  CHECK(report_thread == std::this_thread::get_id());
}

TEST_CASE("producer api: a blocking send waits for buffer.memory until the open batches give it back") {
  Cluster cluster;
  kwire::Producer producer =
      cluster.make({{"buffer.memory", "2048"}, {"batch.size", "1024"}, {"linger.ms", "60000"}, {"max.block.ms", "30000"}});
  kwire::test::DeliveryRecorder reports;
  REQUIRE_FALSE(producer.send(numbered(1, 0), reports.handler()));
  REQUIRE_FALSE(producer.send(numbered(2, 1), reports.handler()));
  // Memory is short, so the open batches are sent at once (not after the
  // minute of linger) and the wait ends when their memory comes back.
  CHECK_FALSE(producer.send(numbered(3, 2), reports.handler()));
  // The third record's own batch lingers; flush sends it instead of waiting
  // out linger.ms (send_and_wait here took the whole minute).
  REQUIRE_FALSE(producer.flush(10s));
  REQUIRE(reports.wait(3));
  for (const auto& [id, report] : reports.snapshot()) {
    CHECK(report.fired == 1);
    CHECK_FALSE(report.error);
  }
  producer.close(5s);
}

TEST_CASE("producer api: close fails what cannot be delivered, with reports, within its bound") {
  Cluster cluster;
  kwire::Producer producer = cluster.make({{"linger.ms", "60000"}});
  std::atomic<int> ok{0}, failed{0};
  // Partition 3's leader is broker 1; make its produces fail forever (retriable).
  std::vector<std::int16_t> errors(100000, 6);
  asio::post(ProducerTestAccess::impl(producer).io(), [&] { cluster.broker->push_partition_errors("t", 3, errors); });
  for (int i = 0; i < 10; ++i) {
    std::int32_t p = i % 2 == 0 ? 0 : 3;
    REQUIRE_FALSE(producer.send(record("k", "v", p), [&](std::error_code ec, kwire::RecordMetadata) {
      (ec ? failed : ok)++;
    }));
  }
  auto start = std::chrono::steady_clock::now();
  producer.close(300ms);
  CHECK(std::chrono::steady_clock::now() - start < 3s);
  CHECK(ok == 5);
  CHECK(failed == 5);
  // After close, send fails at once.
  CHECK(producer.send(record("k", "v", 0), nullptr) == kwire::errc::producer_closed);
}

TEST_CASE("producer api: a borrowed value comes back in its report") {
  Cluster cluster;
  kwire::Producer producer = cluster.make();
  auto* owned = new std::string("borrowed-bytes");
  std::string k = "k", empty;
  kwire::Record r = record(k, empty, 0);
  r.value = kwire::as_bytes(*owned);
  r.ownership = kwire::ValueOwnership::borrow;
  std::promise<bool> released;
  producer.async_send(r, [&](std::error_code ec, kwire::RecordMetadata md) {
    bool same = !ec && md.borrowed_value &&
                md.borrowed_value->data() == reinterpret_cast<const std::uint8_t*>(owned->data());
    delete owned;  // the caller releases its value here
    released.set_value(same);
  });
  CHECK(released.get_future().get());
}

TEST_CASE("producer api: create_batch / append / send_batch") {
  Cluster cluster;
  kwire::Producer producer = cluster.make({{"batch.size", "1024"}});
  // Something already in partition 0, so the batch's offset is not 0.
  producer.send_and_wait(record("k", "first", 0));
  kwire::Batch batch = producer.create_batch();
  int appended = 0;
  std::string value(100, 'b');
  while (auto a = batch.append(kwire::as_bytes(std::string("bk")), kwire::as_bytes(value), 1'600'000'000'000 + appended)) {
    CHECK(a->offset_delta == appended);
    ++appended;
  }
  CHECK(appended > 3);
  CHECK(batch.size_bytes() <= 1024);
  CHECK(batch.record_count() == appended);
  kwire::RecordMetadata md = producer.send_batch(std::move(batch), "t", 0).get();
  CHECK(md.offset == 1);  // the batch's first record
  CHECK(md.partition == 0);
  CHECK(md.timestamp_ms == 1'600'000'000'000);
  producer.close(5s);
  const auto& log = cluster.broker->log("t", 0);
  REQUIRE(log.size() == static_cast<std::size_t>(1 + appended));
  CHECK(log[1].value == value);
  CHECK(log.back().timestamp == 1'600'000'000'000 + appended - 1);
}

TEST_CASE("producer api: async_flush completes after the reports of everything sent before it") {
  Cluster cluster;
  kwire::Producer producer = cluster.make({{"linger.ms", "60000"}});
  kwire::test::DeliveryRecorder reports;
  const std::string value = "v";
  for (std::uint64_t id = 0; id < 20; ++id) {
    const std::string key = "k" + std::to_string(id);  // the record views its key and value
    auto r = record(key, value, static_cast<std::int32_t>(id % 4));
    r.user_id = id;
    REQUIRE_FALSE(producer.send(r, reports.handler()));
  }
  // linger.ms is a minute: only the flush sends them now.
  std::promise<std::size_t> reported_at_completion;
  producer.async_flush(10s, [&](std::error_code ec) {
    reported_at_completion.set_value(ec ? 0 : reports.reported());
  });
  CHECK(reported_at_completion.get_future().get() == 20);
  // The future form: void(std::error_code) becomes std::future<void>.
  REQUIRE_FALSE(producer.send(record("k", "late", 1), reports.handler()));
  auto flushed = producer.async_flush(10s, asio::use_future);
  REQUIRE(flushed.wait_for(10s) == std::future_status::ready);
  CHECK_NOTHROW(flushed.get());
}

TEST_CASE("producer api: async_flush ends with flush_timeout when records cannot be delivered in time") {
  Cluster cluster;
  kwire::Producer producer = cluster.make({{"linger.ms", "60000"}});
  // Partition 3's produces fail retriably for as long as the test runs.
  std::vector<std::int16_t> errors(100000, 6);
  asio::post(ProducerTestAccess::impl(producer).io(), [&] { cluster.broker->push_partition_errors("t", 3, errors); });
  REQUIRE_FALSE(producer.send(record("k", "stuck", 3), nullptr));
  std::promise<std::error_code> done;
  const auto start = std::chrono::steady_clock::now();
  producer.async_flush(200ms, [&](std::error_code ec) { done.set_value(ec); });
  auto result = done.get_future();
  REQUIRE(result.wait_for(10s) == std::future_status::ready);
  CHECK(result.get() == kwire::errc::flush_timeout);
  CHECK(std::chrono::steady_clock::now() - start >= 200ms);
  // The blocking form says the same.
  CHECK(producer.flush(100ms) == kwire::errc::flush_timeout);
  producer.close(0ms);
}

TEST_CASE("producer api: async_flush may be started from a delivery report; flush may not") {
  Cluster cluster;
  kwire::Producer producer = cluster.make({{"linger.ms", "60000"}});
  std::promise<std::error_code> blocking, second_sent, flushed;
  REQUIRE_FALSE(producer.send(record("k", "first", 0), [&](std::error_code, kwire::RecordMetadata) {
    // On the io thread (no Catch2 assertions here): the blocking flush
    // refuses, the asynchronous one runs.
    blocking.set_value(producer.flush(1s));
    second_sent.set_value(producer.send(record("k", "second", 1), nullptr));
    producer.async_flush(10s, [&](std::error_code ec) { flushed.set_value(ec); });
  }));
  REQUIRE_FALSE(producer.flush(10s));
  CHECK(blocking.get_future().get() == kwire::errc::would_deadlock);
  REQUIRE_FALSE(second_sent.get_future().get());
  auto f = flushed.get_future();
  REQUIRE(f.wait_for(10s) == std::future_status::ready);
  CHECK_FALSE(f.get());
  CHECK(cluster.broker->log("t", 1).size() == 1);
}

TEST_CASE("producer api: a Producer is move-assignable; the one assigned over closes as if destroyed") {
  static_assert(std::is_nothrow_move_assignable_v<kwire::Producer>);
  Cluster first_cluster, second_cluster;
  kwire::Producer producer = first_cluster.make({{"linger.ms", "60000"}});
  std::promise<std::error_code> first_report;
  REQUIRE_FALSE(producer.send(record("k", "to-first", 0),
                              [&](std::error_code ec, kwire::RecordMetadata) { first_report.set_value(ec); }));
  producer = second_cluster.make();
  // Closing the first producer delivered its record (close flushes).
  auto f = first_report.get_future();
  REQUIRE(f.wait_for(0s) == std::future_status::ready);
  CHECK_FALSE(f.get());  // acknowledged by the first cluster's broker (gone with that producer now)
  kwire::RecordMetadata md = producer.send_and_wait(record("k", "to-second", 0));
  CHECK(md.offset == 0);
  CHECK(second_cluster.broker->log("t", 0).size() == 1);
}

}  // namespace producer_api
