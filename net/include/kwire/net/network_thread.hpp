// The client's network thread: one io_context run by one std::thread. Every
// connection, the pool and the metadata cache live on it. Other threads hand
// work over with post() (or asio::co_spawn(executor(), ...)); they must not
// touch network objects directly.
//
// Thread: construct, stop() and destroy on an application thread (never on
// the network thread itself); executor(), post() and in_network_thread() are
// safe from any thread.
#pragma once

// A standard header before Asio's: Asio picks its aligned allocator from
// libstdc++'s configuration macros, and every translation unit must agree.
#include <cstddef>

#include <asio/any_io_executor.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include <optional>
#include <thread>
#include <utility>

namespace kwire::net {

class NetworkThread {
 public:
  NetworkThread();
  ~NetworkThread();  // stop()
  NetworkThread(const NetworkThread&) = delete;
  NetworkThread& operator=(const NetworkThread&) = delete;

  asio::io_context& context() noexcept { return context_; }
  asio::any_io_executor executor() noexcept { return context_.get_executor(); }
  template <typename F>
  void post(F&& f) {
    asio::post(context_, std::forward<F>(f));
  }
  bool in_network_thread() const noexcept { return std::this_thread::get_id() == thread_.get_id(); }

  // Lets the io_context finish what is queued, then joins. Close the pool
  // (on the network thread) before, or pending timers keep it busy.
  void stop();

 private:
  asio::io_context context_{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::thread thread_;
};

}  // namespace kwire::net
