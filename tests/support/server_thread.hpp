// The plumbing every test server in tests/support shares: an io_context run
// by one thread of its own, listeners on 127.0.0.1 with ephemeral ports, an
// accept loop per listener, and Kafka's length-prefixed frames on any Asio
// stream. Construct, add handlers with accept(), then start(); stop() (also
// run by the destructor) stops the io_context and joins the thread. Call
// stop() first thing in the owner's destructor, so no handler runs while the
// owner's members are being destroyed. port()/bootstrap() from any thread;
// accept() before start(); the handlers run on the server thread.
#pragma once

// A standard header before Asio's: Asio picks its aligned allocator from
// libstdc++'s configuration macros, and every translation unit must agree.
#include <cstddef>

#include <asio/awaitable.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <thread>
#include <vector>

namespace kwire::test {

class ServerThread {
 public:
  explicit ServerThread(std::size_t listeners = 1);
  ~ServerThread();
  ServerThread(const ServerThread&) = delete;
  ServerThread& operator=(const ServerThread&) = delete;

  asio::io_context& io() noexcept { return io_; }
  std::size_t listeners() const noexcept { return acceptors_.size(); }
  std::uint16_t port(std::size_t index = 0) const;

  // Accepts connections on listener `index` for ever, handing each socket to
  // `on_accept` on the server thread (it usually co_spawns a session).
  void accept(std::size_t index, std::function<void(asio::ip::tcp::socket)> on_accept);
  void start();
  void stop();

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  std::vector<asio::ip::tcp::acceptor> acceptors_;
  std::thread thread_;
};

namespace frames {

using Frame = std::vector<std::uint8_t>;
inline constexpr std::size_t kMaxFrame = 64 * 1024 * 1024;

// One frame without its length prefix; false on EOF, error or a length above `max`.
template <typename Stream>
asio::awaitable<bool> read(Stream& s, Frame& out, std::size_t max = kMaxFrame) {
  std::uint8_t len[4];
  std::error_code ec;
  co_await asio::async_read(s, asio::buffer(len), asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return false;
  std::size_t n = (std::size_t{len[0]} << 24) | (std::size_t{len[1]} << 16) | (std::size_t{len[2]} << 8) | len[3];
  if (n > max) co_return false;
  out.resize(n);
  co_await asio::async_read(s, asio::buffer(out), asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec;
}

// Writes the length prefix and `body`.
template <typename Stream>
asio::awaitable<bool> write(Stream& s, const Frame& body) {
  auto n = static_cast<std::uint32_t>(body.size());
  std::uint8_t len[4] = {static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
                         static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
  std::error_code ec;
  std::vector<asio::const_buffer> bufs{asio::buffer(len), asio::buffer(body)};
  co_await asio::async_write(s, bufs, asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec;
}

// One API a test peer advertises: {api key, lowest version, highest version}.
struct ApiRange {
  std::int16_t key, min, max;
};

// An ApiVersions answer without its length prefix (response header v0, as
// every ApiVersions answer): v0-v2 bodies advertising `apis`; a request above
// v2 gets UNSUPPORTED_VERSION with the same list, as a broker answers.
Frame api_versions_answer(std::int32_t correlation, std::int16_t version, std::initializer_list<ApiRange> apis);

}  // namespace frames
}  // namespace kwire::test
