// Plain TCP or TLS byte stream under one broker connection (io_context thread).
#include "kwire/net/transport.hpp"

#include <asio/connect.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "kwire/net/errors.hpp"
#include "kwire/net/tls/tls_context.hpp"

namespace kwire::net {

Transport::Transport(asio::any_io_executor executor) : resolver_(executor), socket_(executor) {}

Transport::~Transport() { close(); }

asio::awaitable<std::error_code> Transport::connect(const std::string& host, std::uint16_t port, SocketBufferSizes buffers) {
  std::error_code ec;
  auto endpoints = co_await resolver_.async_resolve(host, std::to_string(port),
                                                    asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return ec == asio::error::operation_aborted ? ec : make_error_code(net_errc::resolve_failed);
  // async_connect walks every address of the name until one accepts.
  co_await asio::async_connect(socket_, endpoints, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return ec;
  socket_.set_option(tcp::no_delay(true), ec);
  // Set once connected (async_connect opens a socket per address it tries).
  // Linux sizes the window scale from its maximum buffer, not this one, so
  // a size set now still takes effect both ways. Best effort, as no_delay.
  if (buffers.send >= 0) socket_.set_option(asio::socket_base::send_buffer_size(buffers.send), ec);
  if (buffers.receive >= 0) socket_.set_option(asio::socket_base::receive_buffer_size(buffers.receive), ec);
  co_return std::error_code{};
}

asio::awaitable<std::error_code> Transport::start_tls(asio::ssl::context& context, const std::string& host,
                                                      const TlsSettings& settings) {
  tls_ = std::make_unique<tls_stream>(std::move(socket_), context);
  if (auto ec = prepare_tls_client(tls_->native_handle(), host, settings)) {
    tls_failure_detail_ = "TLS set-up for " + host + " failed: " + ec.message();
    co_return ec;
  }
  std::error_code ec;
  co_await tls_->async_handshake(asio::ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    tls_failure_detail_ = describe_tls_failure(tls_->native_handle(), host, ec);
    co_return classify_tls_failure(tls_->native_handle(), ec);
  }
  co_return std::error_code{};
}

asio::awaitable<std::error_code> Transport::read_exact(asio::mutable_buffer buffer) {
  std::error_code ec;
  if (tls_) co_await asio::async_read(*tls_, buffer, asio::redirect_error(asio::use_awaitable, ec));
  else co_await asio::async_read(socket_, buffer, asio::redirect_error(asio::use_awaitable, ec));
  co_return ec;
}

asio::awaitable<std::error_code> Transport::write_all(const std::vector<asio::const_buffer>& buffers) {
  std::error_code ec;
  if (tls_) co_await asio::async_write(*tls_, buffers, asio::redirect_error(asio::use_awaitable, ec));
  else co_await asio::async_write(socket_, buffers, asio::redirect_error(asio::use_awaitable, ec));
  co_return ec;
}

void Transport::acknowledge_now() noexcept {
#ifdef TCP_QUICKACK
  // Linux: leaves delayed-ACK mode and sends a pending ACK at once. Not
  // sticky (the kernel goes back to delaying), hence a call per answer.
  // Best effort: a closed socket only makes it fail.
  const int one = 1;
  (void)::setsockopt(socket().native_handle(), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
#endif
}

void Transport::close() noexcept {
  std::error_code ignored;
  resolver_.cancel();
  socket().shutdown(tcp::socket::shutdown_both, ignored);
  socket().close(ignored);
}

bool Transport::is_open() const noexcept { return tls_ ? tls_->next_layer().is_open() : socket_.is_open(); }

}  // namespace kwire::net
