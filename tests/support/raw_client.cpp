#include "raw_client.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace kwire::test {

RawClient::RawClient(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0 || !res)
    throw std::runtime_error("raw client: cannot resolve " + host);
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    fd_ = ::socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd_ < 0) continue;
    if (::connect(fd_, ai->ai_addr, ai->ai_addrlen) == 0) break;
    ::close(fd_);
    fd_ = -1;
  }
  freeaddrinfo(res);
  if (fd_ < 0) throw std::runtime_error("raw client: cannot connect to " + host + ":" + std::to_string(port));
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

RawClient::~RawClient() {
  if (fd_ >= 0) ::close(fd_);
}

void RawClient::send_raw(const std::vector<std::uint8_t>& bytes) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error(std::string("raw client: send: ") + std::strerror(errno));
    off += static_cast<std::size_t>(n);
  }
}

void RawClient::send_frame(const std::vector<std::uint8_t>& body) {
  std::vector<std::uint8_t> frame(4);
  std::uint32_t len = htonl(static_cast<std::uint32_t>(body.size()));
  std::memcpy(frame.data(), &len, 4);
  frame.insert(frame.end(), body.begin(), body.end());
  send_raw(frame);
}

void RawClient::read_exact(std::uint8_t* out, std::size_t n) {
  std::size_t off = 0;
  while (off < n) {
    ssize_t r = ::recv(fd_, out + off, n - off, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) throw std::runtime_error("raw client: peer closed the connection");
    if (r < 0) throw std::runtime_error(std::string("raw client: recv: ") + std::strerror(errno));
    off += static_cast<std::size_t>(r);
  }
}

std::vector<std::uint8_t> RawClient::recv_frame() {
  std::uint8_t len_bytes[4];
  read_exact(len_bytes, 4);
  std::uint32_t len;
  std::memcpy(&len, len_bytes, 4);
  len = ntohl(len);
  if (len > (64u << 20)) throw std::runtime_error("raw client: frame too large");
  std::vector<std::uint8_t> body(len);
  read_exact(body.data(), len);
  return body;
}

bool RawClient::peer_closed() {
  std::uint8_t b;
  ssize_t r = ::recv(fd_, &b, 1, MSG_PEEK);
  return r == 0;
}

std::vector<std::uint8_t> request_v1(std::int16_t api_key, std::int16_t version, std::int32_t correlation_id,
                                     const std::string& client_id, const std::vector<std::uint8_t>& body) {
  std::vector<std::uint8_t> out;
  auto put16 = [&](std::int16_t v) {
    out.push_back(static_cast<std::uint8_t>(static_cast<std::uint16_t>(v) >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
  };
  put16(api_key);
  put16(version);
  auto cid = static_cast<std::uint32_t>(correlation_id);
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(cid >> s));
  put16(static_cast<std::int16_t>(client_id.size()));
  out.insert(out.end(), client_id.begin(), client_id.end());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

}  // namespace kwire::test
