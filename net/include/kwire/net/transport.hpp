// The byte stream under one broker connection: plain TCP, or TLS over TCP
// after start_tls(). The connection code reads and writes through this class
// and never knows which it is. Io_context thread only.
#pragma once

// A standard header before Asio's: Asio picks its aligned allocator from
// libstdc++'s configuration macros, and every translation unit must agree.
#include <cstddef>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/buffer.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/stream.hpp>

#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "kwire/net/tls/tls_settings.hpp"

namespace kwire::net {

// SO_SNDBUF / SO_RCVBUF in bytes; a negative size leaves the OS's own.
struct SocketBufferSizes {
  int send = -1;
  int receive = -1;
};

class Transport {
 public:
  using tcp = asio::ip::tcp;
  using tls_stream = asio::ssl::stream<tcp::socket>;

  explicit Transport(asio::any_io_executor executor);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Tries every resolved address of host:port in turn (TCP_NODELAY set, and
  // the buffer sizes asked for).
  asio::awaitable<std::error_code> connect(const std::string& host, std::uint16_t port, SocketBufferSizes buffers = {});
  // Wraps the connected socket in TLS: prepares SNI and verification for
  // `host` from `settings`, then runs the client handshake. A failure is
  // classified (wrong CA, wrong host name, expired...) as a tls_errc.
  asio::awaitable<std::error_code> start_tls(asio::ssl::context& context, const std::string& host,
                                             const TlsSettings& settings);
  // After a failed start_tls: a sentence saying why, naming the host.
  const std::string& tls_failure_detail() const noexcept { return tls_failure_detail_; }

  asio::awaitable<std::error_code> read_exact(asio::mutable_buffer buffer);
  asio::awaitable<std::error_code> write_all(const std::vector<asio::const_buffer>& buffers);

  // Sends the ACK for the bytes read so far now, not when Linux's delayed-ACK
  // timer fires (40 ms or more): TCP_QUICKACK, a no-op where it does not exist
  // and when no ACK is pending. Why and when: BrokerConnection::read_loop.
  void acknowledge_now() noexcept;
  // Closes the socket; pending reads and writes complete with an error.
  void close() noexcept;
  bool is_open() const noexcept;
  bool is_tls() const noexcept { return tls_ != nullptr; }
  tcp::socket& socket() noexcept { return tls_ ? tls_->next_layer() : socket_; }
  // Cancels an outstanding resolve (used by the set-up deadline).
  void cancel_resolve() noexcept { resolver_.cancel(); }

 private:
  tcp::resolver resolver_;
  tcp::socket socket_;
  std::unique_ptr<tls_stream> tls_;
  std::string tls_failure_detail_;
};

}  // namespace kwire::net
