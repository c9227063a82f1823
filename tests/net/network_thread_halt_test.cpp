// NetworkThread::halt() called from a handler on the network thread itself
// (an owner closing from one of its callbacks): the io_context stops, the
// handler runs to its end, and the thread stays the owner's to join, so
// destroying the NetworkThread from another thread waits for that handler
// and for run() to return before the io_context goes. And destroy_outside():
// an owner let go from its own handler is destroyed on another thread, once
// the handler returned; elsewhere it is left to its caller. Tagged [thread] so these also run
// under ThreadSanitizer.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include "kwire/net/network_thread.hpp"

namespace network_thread_halt {

using kwire::net::NetworkThread;
using namespace std::chrono_literals;

TEST_CASE("thread: halt() from a handler leaves the network thread for its owner to join", "[net][thread]") {
  auto network = std::make_unique<NetworkThread>();
  std::atomic<bool> handler_finished{false}, later_ran{false};
  std::promise<void> halted;
  network->post([&] {
    network->halt();
    network->post([&] { later_ran = true; });  // after halt(): never runs
    halted.set_value();
    // Still inside the handler while the owner destroys the NetworkThread.
    std::this_thread::sleep_for(100ms);
    handler_finished = true;
  });
  halted.get_future().wait();
  CHECK_FALSE(network->in_network_thread());
  network.reset();  // joins: the handler, and run() with it, returned first
  CHECK(handler_finished.load());
  CHECK_FALSE(later_ran.load());
}

// An owner of a network thread, as the producer and the consumer are.
struct Owner {
  explicit Owner(std::promise<std::thread::id>& destroyed) : destroyed_on(destroyed) {}
  ~Owner() {
    network.halt();  // joins: never on its own thread here
    destroyed_on.set_value(std::this_thread::get_id());
  }
  Owner(const Owner&) = delete;
  Owner& operator=(const Owner&) = delete;
  bool on_own_thread() const noexcept { return network.in_network_thread(); }

  NetworkThread network;
  std::promise<std::thread::id>& destroyed_on;
};

TEST_CASE("thread: destroy_outside() lets an owner go from its own handler on another thread",
          "[net][thread]") {
  std::promise<std::thread::id> destroyed;
  auto destroyed_on = destroyed.get_future();
  auto owner = std::make_unique<Owner>(destroyed);
  std::atomic<bool> handler_finished{false}, owner_taken{false};
  std::atomic<std::thread::id> handler_thread{};
  std::promise<void> posted;  // post() has returned: this thread is done with the owner
  auto posted_future = posted.get_future();
  owner->network.post([&] {
    handler_thread = std::this_thread::get_id();
    posted_future.wait();
    kwire::net::destroy_outside(owner);  // takes it
    owner_taken = owner == nullptr;
    std::this_thread::sleep_for(50ms);  // the owner is not destroyed meanwhile
    handler_finished = true;
  });
  posted.set_value();
  REQUIRE(destroyed_on.wait_for(10s) == std::future_status::ready);
  const std::thread::id on = destroyed_on.get();
  CHECK(owner_taken.load());
  CHECK(handler_finished.load());
  CHECK(on != handler_thread.load());
  CHECK(on != std::this_thread::get_id());
}

TEST_CASE("thread: destroy_outside() off the owner's threads leaves it to the caller", "[net][thread]") {
  std::promise<std::thread::id> destroyed;
  auto destroyed_on = destroyed.get_future();
  auto owner = std::make_unique<Owner>(destroyed);
  kwire::net::destroy_outside(owner);
  REQUIRE(owner != nullptr);
  CHECK(destroyed_on.wait_for(0s) == std::future_status::timeout);
  owner.reset();
  REQUIRE(destroyed_on.wait_for(0s) == std::future_status::ready);
  CHECK(destroyed_on.get() == std::this_thread::get_id());
}

}  // namespace network_thread_halt
