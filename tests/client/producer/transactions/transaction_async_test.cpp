// The completion-token forms of the transactional calls (async_init_transactions,
// async_send_offsets_to_transaction, async_commit_transaction,
// async_abort_transaction) against librdkafka's mock cluster: futures,
// callbacks and coroutines, calls made from a delivery report on the
// producer's own thread, and a refusal known at once.
#include <catch2/catch.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <chrono>
#include <future>
#include <string>
#include <vector>

#include "kwire/producer.hpp"
#include "mock_cluster.hpp"
#include "transaction_test_helpers.hpp"

using namespace std::chrono_literals;
using kwire::test::DeliveryRecorder;
using txn_test::range;
using txn_test::read_ids;
using txn_test::send_numbered;

namespace {

kwire::ProducerConfig config(const kwire::test::MockCluster& cluster, const std::string& txn_id) {
  kwire::ProducerConfig c;
  c.bootstrap_servers = {cluster.bootstrap()};
  c.transactional_id = txn_id;
  c.linger = 60s;  // records go only when a commit flushes them
  c.retry_backoff = 20ms;
  c.request_timeout = 5s;
  c.delivery_timeout = 80s;
  return c;
}

template <typename T>
T ready(std::future<T> f) {
  REQUIRE(f.wait_for(20s) == std::future_status::ready);
  return f.get();
}

}  // namespace

TEST_CASE("transactions (mock): init, commit, abort and send_offsets in their completion-token forms", "[txn]") {
  kwire::test::MockCluster cluster(3, {{"txs", 1, 1}, {"src", 1, 1}});
  DeliveryRecorder reports;
  {
    kwire::Producer producer(config(cluster, "tx-async"));
    // A future.
    auto init = producer.async_init_transactions(10s, asio::use_future);
    REQUIRE(init.wait_for(20s) == std::future_status::ready);
    CHECK_NOTHROW(init.get());

    // A callback.
    REQUIRE_FALSE(producer.begin_transaction());
    for (std::uint64_t id = 0; id < 10; ++id) REQUIRE_FALSE(send_numbered(producer, reports, "txs", 0, id));
    std::promise<std::error_code> committed;
    producer.async_commit_transaction(10s, [&](std::error_code ec) { committed.set_value(ec); });
    CHECK(ready(committed.get_future()) == std::error_code());
    REQUIRE(reports.wait(10));

    // A coroutine on the caller's own io_context.
    REQUIRE_FALSE(producer.begin_transaction());
    for (std::uint64_t id = 10; id < 15; ++id) REQUIRE_FALSE(send_numbered(producer, reports, "txs", 0, id));
    asio::io_context user_io;
    std::error_code aborted = kwire::errc::invalid_transaction_state;
    asio::co_spawn(
        user_io,
        [&]() -> asio::awaitable<void> {
          std::error_code ec;
          co_await producer.async_abort_transaction(10s, asio::redirect_error(asio::use_awaitable, ec));
          aborted = ec;
        },
        asio::detached);
    user_io.run();
    CHECK(aborted == std::error_code());
    REQUIRE(reports.wait(15));
    for (std::uint64_t id : range(10, 15)) CHECK(reports.snapshot().at(id).error == kwire::errc::transaction_aborted);

    // Offsets, then a commit, both as futures.
    REQUIRE_FALSE(producer.begin_transaction());
    for (std::uint64_t id = 20; id < 25; ++id) REQUIRE_FALSE(send_numbered(producer, reports, "txs", 0, id));
    kwire::ConsumerGroupMetadata group;
    group.group_id = "group-async";
    auto offsets = producer.async_send_offsets_to_transaction({{"src", 0, 5, std::nullopt, -1}}, group, 10s,
                                                              asio::use_future);
    auto commit = producer.async_commit_transaction(10s, asio::use_future);
    CHECK_NOTHROW(ready(std::move(offsets)));
    CHECK_NOTHROW(ready(std::move(commit)));
    REQUIRE(reports.wait(20));
    for (std::uint64_t id : range(20, 25)) CHECK_FALSE(reports.snapshot().at(id).error);
  }
  std::vector<std::uint64_t> committed_ids = range(0, 10);
  for (std::uint64_t id : range(20, 25)) committed_ids.push_back(id);
  CHECK(read_ids(cluster.bootstrap(), "txs", 0) == committed_ids);
}

TEST_CASE("transactions (mock): from a delivery report the async commit runs, the blocking one refuses", "[txn]") {
  kwire::test::MockCluster cluster(3, {{"txd", 1, 1}});
  kwire::Producer producer(config(cluster, "tx-report"));
  REQUIRE_FALSE(producer.init_transactions(10s));
  REQUIRE_FALSE(producer.begin_transaction());
  std::promise<std::error_code> blocking, committed;
  kwire::Record r;
  r.topic = "txd";
  r.partition = 0;
  REQUIRE_FALSE(producer.send(r, [&](std::error_code, kwire::RecordMetadata) {
    // On the producer's io thread: no Catch2 assertions here.
    blocking.set_value(producer.commit_transaction(1s));
    producer.async_commit_transaction(10s, [&](std::error_code ec) { committed.set_value(ec); });
  }));
  REQUIRE_FALSE(producer.flush(10s));  // the report runs, and starts the commit
  CHECK(ready(blocking.get_future()) == kwire::errc::would_deadlock);
  CHECK(ready(committed.get_future()) == std::error_code());
}

TEST_CASE("transactions: without transactional.id the async forms complete at once with transactions_unavailable",
          "[txn]") {
  kwire::test::MockCluster cluster(1, {{"plain", 1, 1}});
  kwire::Producer producer(kwire::Properties{{"bootstrap.servers", cluster.bootstrap()}});
  std::error_code init, commit, abort, offsets;
  kwire::ConsumerGroupMetadata group;
  group.group_id = "g";
  producer.async_init_transactions(1s, [&](std::error_code ec) { init = ec; });
  producer.async_commit_transaction(1s, [&](std::error_code ec) { commit = ec; });
  producer.async_abort_transaction(1s, [&](std::error_code ec) { abort = ec; });
  producer.async_send_offsets_to_transaction({}, group, 1s, [&](std::error_code ec) { offsets = ec; });
  // Completed before the calls returned.
  CHECK(init == kwire::errc::transactions_unavailable);
  CHECK(commit == kwire::errc::transactions_unavailable);
  CHECK(abort == kwire::errc::transactions_unavailable);
  CHECK(offsets == kwire::errc::transactions_unavailable);
  CHECK(producer.commit_transaction(1s) == kwire::errc::transactions_unavailable);
}
