// ServerThread (see server_thread.hpp).
#include "server_thread.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>

#include "kwire/protocol/wire/writer.hpp"

namespace kwire::test {

using asio::ip::tcp;

ServerThread::ServerThread(std::size_t listeners) {
  for (std::size_t i = 0; i < listeners; ++i)
    acceptors_.emplace_back(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
}

ServerThread::~ServerThread() { stop(); }

std::uint16_t ServerThread::port(std::size_t index) const { return acceptors_.at(index).local_endpoint().port(); }

void ServerThread::accept(std::size_t index, std::function<void(tcp::socket)> on_accept) {
  tcp::acceptor& acceptor = acceptors_.at(index);
  asio::co_spawn(
      io_,
      [&acceptor, on_accept = std::move(on_accept)]() -> asio::awaitable<void> {
        for (;;) {
          std::error_code ec;
          tcp::socket s = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
          if (ec) co_return;
          on_accept(std::move(s));
        }
      },
      asio::detached);
}

void ServerThread::start() {
  thread_ = std::thread([this] { io_.run(); });
}

void ServerThread::stop() {
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

namespace frames {

Frame api_versions_answer(std::int32_t correlation, std::int16_t version, std::initializer_list<ApiRange> apis) {
  constexpr std::int16_t kUnsupportedVersion = 35;
  protocol::Writer w;
  w.i32(correlation);
  const bool supported = version <= 2;
  w.i16(supported ? 0 : kUnsupportedVersion);
  w.array_length(static_cast<std::int32_t>(apis.size()));
  for (const ApiRange& a : apis) w.i16(a.key), w.i16(a.min), w.i16(a.max);
  if (supported && version >= 1) w.i32(0);  // throttle_time_ms
  return w.release();
}

}  // namespace frames
}  // namespace kwire::test
