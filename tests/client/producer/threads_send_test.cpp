// Many user threads calling send at once (run also under ThreadSanitizer:
// build with -DKWIRE_SANITIZE=thread and run "[threads]"): every record is
// reported exactly once, each thread's records keep their order within a
// partition, and buffer.memory comes back in full.
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "delivery_recorder.hpp"
#include "fake_broker_producer.hpp"
#include "kwire/errors.hpp"
#include "kwire/producer.hpp"
#include "producer/accumulator/record_accumulator.hpp"
#include "producer/producer_backend.hpp"
#include "producer/producer_impl.hpp"
#include "sender/sender_fake_broker.hpp"

using namespace std::chrono_literals;

TEST_CASE("threads: many threads send at once through the Producer", "[threads]") {
  kwire::test::FakeBroker* broker = nullptr;
  kwire::Producer producer = kwire::test::make_fake_broker_producer(
      {{"bootstrap.servers", "fake:1"}, {"linger.ms", "2"}, {"batch.size", "2048"}, {"buffer.memory", "65536"}},
      {.topic = "mt", .partitions = 6, .brokers = 3}, &broker);
  constexpr int threads = 8;
  constexpr int per_thread = 400;
  kwire::test::DeliveryRecorder reports;
  std::atomic<int> errors{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        std::uint64_t id = static_cast<std::uint64_t>(t) * 100000 + static_cast<std::uint64_t>(i);
        std::string key = "t" + std::to_string(t);  // one key per thread: one partition, ordered
        std::string value = std::to_string(id);
        kwire::Record r;
        r.topic = "mt";
        r.key = kwire::as_bytes(key);
        r.value = kwire::as_bytes(value);
        r.user_id = id;
        // Keyless records from odd threads exercise the sticky partitioner.
        if (t % 2 == 1) r.key.reset();
        if (producer.send(r, reports.handler())) errors++;
      }
    });
  }
  for (auto& w : workers) w.join();
  REQUIRE_FALSE(producer.flush(30s));
  producer.close(10s);
  CHECK(errors == 0);
  const auto got = reports.snapshot();
  REQUIRE(got.size() == static_cast<std::size_t>(threads * per_thread));
  for (const auto& [id, report] : got) {
    CHECK(report.fired == 1);
    CHECK_FALSE(report.error);
  }
  // Per thread, keyed records appear in send order in their partition.
  std::size_t total = 0;
  for (std::int32_t p = 0; p < 6; ++p) {
    std::map<int, std::uint64_t> last_by_thread;
    for (const auto& rec : broker->log("mt", p)) {
      ++total;
      std::uint64_t id = std::stoull(*rec.value);
      int t = static_cast<int>(id / 100000);
      if (t % 2 == 1) continue;
      auto it = last_by_thread.find(t);
      if (it != last_by_thread.end()) CHECK(id > it->second);
      last_by_thread[t] = id;
    }
  }
  CHECK(total == static_cast<std::size_t>(threads * per_thread));
}

TEST_CASE("threads: appenders and a draining thread share the accumulator", "[threads]") {
  using namespace kwire::detail;
  DeliveryDispatcher dispatcher(false);
  AccumulatorOptions o;
  o.batch_size = 512;
  o.linger = std::chrono::milliseconds(0);
  o.buffer_memory = 8 * 1024;  // small: appenders block and the drainer frees memory
  RecordAccumulator acc(o, dispatcher);
  std::atomic<int> reported{0};
  std::atomic<int> append_errors{0};
  std::atomic<bool> stop{false};
  auto leader = [](std::string_view, std::int32_t p) { return std::optional<std::int32_t>(p % 2); };
  std::thread drainer([&] {
    while (!stop.load() || acc.has_queued()) {
      auto now = std::chrono::steady_clock::now();
      auto r = acc.ready(leader, now);
      auto d = acc.drain(leader, r.ready_nodes, 1 << 20, {}, now);
      std::int64_t offset = 0;
      for (auto& [node, batches] : d)
        for (auto& b : batches) {
          b->complete(offset, -1, {});
          offset += b->record_count();
        }
      std::this_thread::yield();
    }
  });
  std::vector<std::thread> appenders;
  for (int t = 0; t < 6; ++t) {
    appenders.emplace_back([&, t] {
      std::string value(40 + t, 'v');
      for (int i = 0; i < 500; ++i) {
        DeliveryEntry e;
        e.handler = [&](std::error_code ec, kwire::RecordMetadata) {
          if (!ec) reported++;
        };
        auto r = acc.append("x", (t + i) % 4, i, std::nullopt, kwire::as_bytes(value), {}, e,
                            std::chrono::steady_clock::now() + 30s);
        if (r.error) append_errors++;  // Catch2 assertions are not thread-safe
      }
    });
  }
  for (auto& a : appenders) a.join();
  acc.close();
  stop = true;
  drainer.join();
  CHECK(append_errors == 0);
  CHECK(reported == 6 * 500);
  CHECK(acc.pool().available() == acc.pool().total());
  CHECK(acc.incomplete() == 0);
}
