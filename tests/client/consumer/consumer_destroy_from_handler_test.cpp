// A Consumer destroyed from its own async_poll handler, on its polling
// thread (the handler resets the last std::unique_ptr owning it): the close
// runs off that thread once the handler returned, on a thread that is
// neither the polling thread nor the application's: on_revoked as the group
// is left, the callback of the asynchronous commit made just before (the
// commit made), then the fetch sessions closed. Against the TxnBroker, so
// ThreadSanitizer runs it too (tools/run-tsan.sh: "[thread]~[mock]").
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "consumer_threads.hpp"

namespace kwire::test::consumer_destroy_from_handler {

using consumer_threads::kPartitions;

constexpr int kPerPartition = 5;

TEST_CASE("thread: an async_poll handler destroys its Consumer; the close finishes off the polling thread",
          "[consumer][thread]") {
  const std::string topic = "destroyed-from-handler";
  kwire::test::TxnBroker broker;
  broker.create_topic(topic, kPartitions);
  std::atomic<int> write_failures{0};
  consumer_threads::write_records(broker.bootstrap(), topic, kPerPartition, write_failures);
  REQUIRE(write_failures.load() == 0);

  // Set on the consumer's threads, read here once they are done with them.
  struct Seen {
    std::atomic<int> read{0}, polls{0}, errors{0}, revoked{0}, commit_callbacks{0};
    std::atomic<std::thread::id> poll_thread{}, revoked_on{}, commit_on{};
    std::error_code commit_error;
  } seen;
  std::promise<std::thread::id> released;
  auto released_on = released.get_future();
  std::promise<void> handler_done;

  auto consumer = std::make_unique<kwire::Consumer>(
      kwire::test::base(broker.bootstrap(), {{"group.id", "destroy-group"}, {"enable.auto.commit", "false"}}));
  kwire::RebalanceListener listener;
  listener.on_revoked = [&seen](const std::vector<kwire::TopicPartition>& partitions) {
    seen.revoked += static_cast<int>(partitions.size());
    seen.revoked_on.store(std::this_thread::get_id());
  };
  REQUIRE_FALSE(consumer->subscribe({topic}, std::move(listener)));

  std::function<void(std::error_code, const kwire::ConsumerRecords&)> on_records =
      [&](std::error_code ec, const kwire::ConsumerRecords& records) {
        if (ec || records.error()) ++seen.errors;
        seen.read += static_cast<int>(records.size());
        if (seen.read.load() < kPartitions * kPerPartition && ++seen.polls < 300) {
          consumer->async_poll(100ms, on_records);
          return;
        }
        seen.poll_thread.store(std::this_thread::get_id());
        // Held by the commit's callback only: its deleter runs once the close ran that callback.
        std::shared_ptr<void> token(nullptr, [&released](void*) { released.set_value(std::this_thread::get_id()); });
        consumer->commit_async([&seen, token](std::error_code commit_ec, const kwire::CommitOffsets&) {
          seen.commit_error = commit_ec;
          seen.commit_on.store(std::this_thread::get_id());
          ++seen.commit_callbacks;
        });
        token.reset();
        consumer.reset();
        handler_done.set_value();
      };
  consumer->async_poll(100ms, on_records);

  auto done = handler_done.get_future();
  REQUIRE(done.wait_for(60s) == std::future_status::ready);
  REQUIRE(released_on.wait_for(60s) == std::future_status::ready);
  const std::thread::id closer = released_on.get();
  CHECK(closer != seen.poll_thread.load());
  CHECK(closer != std::this_thread::get_id());
  CHECK(seen.errors.load() == 0);
  CHECK(seen.read.load() == kPartitions * kPerPartition);
  // The close left the group (on_revoked, on the closing thread) and waited
  // for the commit made just before the consumer was destroyed.
  CHECK(seen.revoked.load() == kPartitions);
  CHECK(seen.revoked_on.load() == closer);
  CHECK(seen.commit_callbacks.load() == 1);
  CHECK_FALSE(seen.commit_error);
  CHECK(seen.commit_on.load() == closer);
  for (std::int32_t p = 0; p < kPartitions; ++p) {
    INFO("partition " << p);
    CHECK(broker.committed_offset("destroy-group", topic, p) == kPerPartition);
  }
  // The rest of the close: the fetch sessions closed on the broker.
  const auto until = std::chrono::steady_clock::now() + 30s;
  while (broker.open_fetch_sessions() > 0 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(10ms);
  CHECK(broker.open_fetch_sessions() == 0);
}

}  // namespace kwire::test::consumer_destroy_from_handler
