// Recording relay between a Kafka client and one upstream broker; see recording_relay.hpp.
#include "recording_relay.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <stdexcept>

#include "kwire/protocol/api_table.hpp"
#include "kwire/protocol/messages/find_coordinator_response.hpp"
#include "kwire/protocol/messages/metadata_response.hpp"
#include "kwire/protocol/messages/response_header.hpp"
#include "kwire/protocol/wire/reader.hpp"
#include "kwire/protocol/wire/writer.hpp"

namespace kwire::test {

namespace {

constexpr std::int16_t kMetadataKey = 3;
constexpr std::int16_t kFindCoordinatorKey = 10;

int connect_to(const std::string& host, std::uint16_t port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0 || !res) return -1;
  int fd = -1;
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
    ::close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  return fd;
}

bool send_all(int fd, const std::uint8_t* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// Splits a byte stream into frame bodies.
struct FrameSplitter {
  std::vector<std::uint8_t> buf;
  bool next(std::vector<std::uint8_t>& body) {
    if (buf.size() < 4) return false;
    std::uint32_t n = (std::uint32_t{buf[0]} << 24) | (std::uint32_t{buf[1]} << 16) | (std::uint32_t{buf[2]} << 8) | buf[3];
    if (buf.size() < 4 + static_cast<std::size_t>(n)) return false;
    body.assign(buf.begin() + 4, buf.begin() + 4 + n);
    buf.erase(buf.begin(), buf.begin() + 4 + n);
    return true;
  }
};

std::vector<std::uint8_t> with_size(const std::vector<std::uint8_t>& body) {
  std::vector<std::uint8_t> out(4);
  auto n = static_cast<std::uint32_t>(body.size());
  out[0] = static_cast<std::uint8_t>(n >> 24);
  out[1] = static_cast<std::uint8_t>(n >> 16);
  out[2] = static_cast<std::uint8_t>(n >> 8);
  out[3] = static_cast<std::uint8_t>(n);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// Re-encodes a Metadata or FindCoordinator response so it names the relay.
template <typename Response, typename Patch>
void rewrite(std::vector<std::uint8_t>& body, std::int16_t key, std::int16_t version, Patch patch) {
  protocol::Reader r(body);
  protocol::messages::ResponseHeader h;
  h.decode(r, protocol::response_header_version(key, version));
  const std::size_t header_size = r.position();
  Response resp;
  if (resp.decode(r, version) || r.remaining()) return;  // leave what we cannot read untouched
  patch(resp);
  protocol::Writer w;
  resp.encode(w, version);
  std::vector<std::uint8_t> out(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(header_size));
  w.gather([&](protocol::Bytes b) { out.insert(out.end(), b.begin(), b.end()); });
  body = std::move(out);
}

}  // namespace

struct RecordingRelay::Connection {
  int client_fd = -1;
  int upstream_fd = -1;
  std::thread thread;
};

RecordingRelay::RecordingRelay(std::string upstream_host, std::uint16_t upstream_port)
    : upstream_host_(std::move(upstream_host)), upstream_port_(upstream_port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 16) != 0)
    throw std::runtime_error("recording relay: cannot listen");
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

RecordingRelay::~RecordingRelay() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  acceptor_.join();
  ::close(listen_fd_);
  std::vector<std::unique_ptr<Connection>> conns;
  {
    std::lock_guard lock(mu_);
    conns.swap(connections_);
  }
  for (auto& c : conns) {
    ::shutdown(c->client_fd, SHUT_RDWR);
    ::shutdown(c->upstream_fd, SHUT_RDWR);
    c->thread.join();
    ::close(c->client_fd);
    ::close(c->upstream_fd);
  }
}

std::vector<RecordedFrame> RecordingRelay::frames() const {
  std::lock_guard lock(mu_);
  return frames_;
}

void RecordingRelay::record(RecordedFrame f) {
  std::lock_guard lock(mu_);
  frames_.push_back(std::move(f));
}

void RecordingRelay::accept_loop() {
  while (!stopping_) {
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) {
      if (stopping_) return;
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;
    }
    int up = connect_to(upstream_host_, upstream_port_);
    if (up < 0) {
      ::close(fd);
      continue;
    }
    auto c = std::make_unique<Connection>();
    c->client_fd = fd;
    c->upstream_fd = up;
    Connection* raw = c.get();
    std::lock_guard lock(mu_);
    if (stopping_) {
      ::close(fd);
      ::close(up);
      return;
    }
    c->thread = std::thread([this, raw] { pump(*raw); });
    connections_.push_back(std::move(c));
  }
}

void RecordingRelay::pump(Connection& c) {
  struct Pending {
    std::int16_t key, version;
  };
  std::map<std::int32_t, Pending> pending;  // correlation id -> request
  FrameSplitter from_client, from_upstream;
  std::vector<std::uint8_t> body;
  std::uint8_t buf[65536];
  pollfd fds[2] = {{c.client_fd, POLLIN, 0}, {c.upstream_fd, POLLIN, 0}};
  while (!stopping_) {
    if (::poll(fds, 2, 200) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    for (int i = 0; i < 2; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::recv(fds[i].fd, buf, sizeof buf, 0);
      if (n <= 0) {
        ::shutdown(c.client_fd, SHUT_RDWR);
        ::shutdown(c.upstream_fd, SHUT_RDWR);
        return;
      }
      const bool client_side = i == 0;
      auto& splitter = client_side ? from_client : from_upstream;
      splitter.buf.insert(splitter.buf.end(), buf, buf + n);
      while (splitter.next(body)) {
        RecordedFrame f;
        f.is_request = client_side;
        protocol::Reader r(body);
        if (client_side) {
          f.api_key = r.i16();
          f.api_version = r.i16();
          f.correlation_id = r.i32();
          pending[f.correlation_id] = {f.api_key, f.api_version};
        } else {
          f.correlation_id = r.i32();
          auto it = pending.find(f.correlation_id);
          if (it != pending.end()) {
            f.api_key = it->second.key;
            f.api_version = it->second.version;
            pending.erase(it);
          }
        }
        f.body = body;
        const std::int16_t key = f.api_key, version = f.api_version;
        record(std::move(f));
        if (!client_side && key == kMetadataKey) {
          rewrite<protocol::messages::MetadataResponse>(body, key, version, [&](auto& m) {
            for (auto& b : m.brokers) {
              b.host = host();
              b.port = port_;
            }
          });
        } else if (!client_side && key == kFindCoordinatorKey) {
          rewrite<protocol::messages::FindCoordinatorResponse>(body, key, version, [&](auto& m) {
            m.host = host();
            m.port = port_;
            for (auto& co : m.coordinators) {
              co.host = host();
              co.port = port_;
            }
          });
        }
        auto framed = with_size(body);
        if (!send_all(client_side ? c.upstream_fd : c.client_fd, framed.data(), framed.size())) return;
      }
    }
  }
}

}  // namespace kwire::test
