// NetworkThread's life cycle as the producer uses it: a thread started only
// once its owner has set up what runs on it, an id readable from any thread,
// and halt() dropping what is still queued (stop() would run it first).
// Tagged [thread] so it also runs under ThreadSanitizer.
#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <thread>

#include "kwire/net/network_thread.hpp"

namespace network_thread_lifecycle {

using kwire::net::NetworkThread;

TEST_CASE("thread: a NetworkThread started later runs nothing before start()", "[net][thread]") {
  NetworkThread network(NetworkThread::Start::later);
  std::promise<std::thread::id> ran_on;
  auto ran = ran_on.get_future();
  network.post([&] {
    REQUIRE(network.in_network_thread());
    ran_on.set_value(std::this_thread::get_id());
  });
  // Not started: the handler waits, and no thread is the network thread yet.
  CHECK(ran.wait_for(std::chrono::milliseconds(0)) == std::future_status::timeout);
  CHECK(network.thread_id().load() == std::thread::id());
  CHECK_FALSE(network.in_network_thread());
  network.start();
  const std::thread::id id = ran.get();
  CHECK(id != std::this_thread::get_id());
  CHECK(network.thread_id().load() == id);
  CHECK_FALSE(network.in_network_thread());
  network.stop();
}

TEST_CASE("thread: halt() drops the handlers still queued; stop() runs them", "[net][thread]") {
  std::atomic<int> ran{0};
  {
    NetworkThread halted(NetworkThread::Start::later);
    halted.post([&] { ++ran; });
    halted.halt();
    halted.start();  // a halted io_context runs nothing
    halted.stop();
  }
  CHECK(ran.load() == 0);
  {
    NetworkThread stopped(NetworkThread::Start::later);
    stopped.post([&] { ++ran; });
    stopped.start();
    stopped.stop();
  }
  CHECK(ran.load() == 1);
}

}  // namespace network_thread_lifecycle
