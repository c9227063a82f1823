// Consumer::async_poll against librdkafka's mock cluster, in its three
// forms: a callback (which starts the next poll itself, on the consumer's
// polling thread), std::future (asio::use_future) and co_await
// (asio::use_awaitable, resumed on the coroutine's own io_context). Each
// reads exactly what librdkafka's producer wrote, in order, none twice.
// After close() it completes with consumer_closed, and destroying the
// consumer ends a waiting one.
#include <catch2/catch.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "consumer_reading.hpp"
#include "kwire/consumer.hpp"
#include "mock_cluster.hpp"
#include "rdkafka_producer.hpp"

using namespace std::chrono_literals;
using kwire::test::Copied;

namespace {

constexpr int kRecords = 300;

struct Written {
  kwire::test::MockCluster cluster{1};
  std::vector<kwire::test::PeerRecord> sent = kwire::test::varied_records(kRecords);
  Written() {
    cluster.create_topic("async", 1);
    kwire::test::RdkafkaProducer producer(cluster.bootstrap(), {{"compression.codec", "lz4"}});
    producer.write("async", 0, sent);
  }
  // max.poll.records cuts the log into many polls.
  kwire::Properties props() const { return kwire::test::base(cluster.bootstrap(), {{"max.poll.records", "37"}}); }
  void check(const std::vector<Copied>& got) const {
    REQUIRE(got.size() == sent.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      INFO("record " << i);
      CHECK(got[i].offset == static_cast<std::int64_t>(i));
      CHECK(got[i].key == sent[i].key);
      CHECK(got[i].value == sent[i].value);
      CHECK(got[i].headers == sent[i].headers);
    }
  }
};

void copy_into(const kwire::ConsumerRecords& records, std::vector<Copied>& out) {
  for (const kwire::ConsumerRecord& r : records) out.push_back(kwire::test::copy(r));
}

}  // namespace

TEST_CASE("async_poll with a callback: each poll's handler starts the next, on the polling thread",
          "[consumer][mock][async_poll]") {
  Written w;
  kwire::Consumer consumer(w.props());
  consumer.assign({{"async", 0}});
  std::vector<Copied> got;
  std::set<std::thread::id> threads;
  std::error_code failed;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  std::promise<void> done;
  std::function<void(std::error_code, const kwire::ConsumerRecords&)> on_records =
      [&](std::error_code ec, const kwire::ConsumerRecords& records) {
        threads.insert(std::this_thread::get_id());
        if (ec || records.error()) failed = ec ? ec : records.error();
        copy_into(records, got);
        if (failed || got.size() >= kRecords || std::chrono::steady_clock::now() > deadline) done.set_value();
        else consumer.async_poll(200ms, on_records);
      };
  consumer.async_poll(200ms, on_records);
  done.get_future().wait();
  CHECK(!failed);
  w.check(got);
  REQUIRE(threads.size() == 1);
  CHECK(*threads.begin() != std::this_thread::get_id());
}

TEST_CASE("async_poll with asio::use_future", "[consumer][mock][async_poll]") {
  Written w;
  kwire::Consumer consumer(w.props());
  consumer.assign({{"async", 0}});
  std::vector<Copied> got;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (got.size() < kRecords && std::chrono::steady_clock::now() < deadline) {
    std::future<kwire::ConsumerRecords> next = consumer.async_poll(200ms, asio::use_future);
    const kwire::ConsumerRecords records = next.get();
    INFO(records.error_detail());
    REQUIRE(!records.error());
    CHECK(records.size() <= 37);
    copy_into(records, got);
  }
  w.check(got);

  consumer.close();
  auto after = consumer.async_poll(10ms, asio::use_future);
  try {
    after.get();
    FAIL("async_poll after close() completed without an error");
  } catch (const std::system_error& e) {
    CHECK(e.code() == kwire::consumer_errc::consumer_closed);
  }
}

TEST_CASE("async_poll with co_await resumes on the coroutine's io_context", "[consumer][mock][async_poll]") {
  Written w;
  kwire::Consumer consumer(w.props());
  consumer.assign({{"async", 0}});
  std::vector<Copied> got;
  std::set<std::thread::id> resumed_on;
  std::optional<std::error_code> failed;
  asio::io_context user;
  asio::co_spawn(
      user,
      [&]() -> asio::awaitable<void> {
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        while (got.size() < kRecords && std::chrono::steady_clock::now() < deadline) {
          const kwire::ConsumerRecords records = co_await consumer.async_poll(200ms, asio::use_awaitable);
          resumed_on.insert(std::this_thread::get_id());
          if (records.error()) {
            failed = records.error();
            co_return;
          }
          copy_into(records, got);
        }
      },
      asio::detached);
  user.run();  // this thread runs the coroutine
  CHECK(!failed);
  w.check(got);
  CHECK(resumed_on == std::set<std::thread::id>{std::this_thread::get_id()});
}

TEST_CASE("Destroying the consumer ends a waiting async_poll", "[consumer][mock][async_poll]") {
  kwire::test::MockCluster cluster(1);
  cluster.create_topic("idle", 1);
  int calls = 0;
  std::error_code second;
  {
    kwire::Consumer consumer(kwire::test::base(cluster.bootstrap()));
    consumer.assign({{"idle", 0}});
    // Nothing to read: the first waits for its whole timeout unless ended; the second never starts.
    consumer.async_poll(60s, [&](std::error_code, const kwire::ConsumerRecords& records) {
      ++calls;
      CHECK(records.empty());
    });
    consumer.async_poll(60s, [&](std::error_code ec, const kwire::ConsumerRecords&) {
      ++calls;
      second = ec;
    });
  }
  CHECK(calls == 2);
  CHECK(second == kwire::consumer_errc::consumer_closed);
}
