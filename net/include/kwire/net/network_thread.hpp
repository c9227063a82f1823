// The client's network thread: one io_context run by one std::thread. Every
// connection, the pool and the metadata cache live on it. Other threads hand
// work over with post() (or asio::co_spawn(executor(), ...)); they must not
// touch network objects directly.
//
// Thread: construct, start(), stop() and destroy on an application thread
// (never on the network thread itself); halt() from any thread, the network
// thread included; executor(), post(), in_network_thread() and thread_id()
// are safe from any thread. An owner let go from a handler on its own
// network thread is destroyed by destroy_outside() on a thread of its own.
#pragma once

// A standard header before Asio's: Asio picks its aligned allocator from
// libstdc++'s configuration macros, and every translation unit must agree.
#include <cstddef>

#include <asio/any_io_executor.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <utility>

namespace kwire::net {

class NetworkThread {
 public:
  // `later`: the thread starts at start(), once the owner has set up what
  // runs on the io_context (the producer and the consumer build their parts
  // on its executor first).
  enum class Start { now, later };
  explicit NetworkThread(Start when = Start::now);
  ~NetworkThread();  // stop()
  NetworkThread(const NetworkThread&) = delete;
  NetworkThread& operator=(const NetworkThread&) = delete;

  asio::io_context& context() noexcept { return context_; }
  asio::any_io_executor executor() noexcept { return context_.get_executor(); }
  template <typename F>
  void post(F&& f) {
    asio::post(context_, std::forward<F>(f));
  }
  // Once, for Start::later.
  void start();
  bool in_network_thread() const noexcept { return std::this_thread::get_id() == id_.load(std::memory_order_acquire); }
  // The network thread's id (a default id until it runs), published by the
  // thread itself: readable while another thread joins it.
  const std::atomic<std::thread::id>& thread_id() const noexcept { return id_; }

  // Lets the io_context finish what is queued, then joins. Close the pool
  // (on the network thread) before, or pending timers keep it busy.
  void stop();
  // Stops at once: handlers still queued never run. Joins the thread, or,
  // called on the network thread itself (a handler closing its owner), only
  // stops: the thread ends when that handler returns, and stop() or the
  // destructor, from another thread, joins it (the io_context outlives run()).
  void halt();

 private:
  void run();

  asio::io_context context_{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::thread thread_;
  std::atomic<std::thread::id> id_{};
};

// Runs `work` on a short-lived thread of its own and returns at once.
// Threads still running at exit are joined then (static destruction), so
// their work is not cut off.
void finish_in_background(std::function<void()> work);

// For an owner's destructor (a producer's or consumer's insides): when this
// thread is one of the owner's own network threads (`owner->on_own_thread()`:
// a handler is letting it go), takes `owner` and hands it to a thread of
// finish_in_background(), which destroys it from outside: its destructor
// closes as usual and joins those threads once the handler returned.
// Otherwise leaves `owner` to be destroyed by the caller as before (still
// set while its destructor runs, for callbacks that call back into it).
template <typename T>
void destroy_outside(std::unique_ptr<T>& owner) {
  if (!owner || !owner->on_own_thread()) return;
  finish_in_background([held = std::shared_ptr<T>(std::move(owner))]() mutable { held.reset(); });
}

}  // namespace kwire::net
