// Sockets and connection threads of the sink broker (see sink_server.hpp).
#include "sink_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "sink_protocol.hpp"

namespace kwire::bench {
namespace {

bool read_exact(int fd, std::uint8_t* out, std::size_t n) {
  while (n > 0) {
    ssize_t got = ::read(fd, out, n);
    if (got <= 0) return false;
    out += got;
    n -= static_cast<std::size_t>(got);
  }
  return true;
}

bool write_all(int fd, const std::uint8_t* data, std::size_t n) {
  while (n > 0) {
    ssize_t put = ::send(fd, data, n, MSG_NOSIGNAL);
    if (put <= 0) return false;
    data += put;
    n -= static_cast<std::size_t>(put);
  }
  return true;
}

// Holds delayed responses in arrival order and writes each when it is due.
class DelayedWriter {
 public:
  explicit DelayedWriter(int fd) : fd_(fd), thread_([this] { run(); }) {}
  ~DelayedWriter() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  void push(std::chrono::steady_clock::time_point due, std::vector<std::uint8_t> frame) {
    {
      std::lock_guard lock(mu_);
      queue_.emplace_back(due, std::move(frame));
    }
    cv_.notify_one();
  }

 private:
  void run() {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      auto due = queue_.front().first;
      if (cv_.wait_until(lock, due, [&] { return stop_; })) return;
      auto frame = std::move(queue_.front().second);
      queue_.pop_front();
      lock.unlock();
      bool ok = write_all(fd_, frame.data(), frame.size());
      lock.lock();
      if (!ok) return;
    }
  }

  int fd_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::vector<std::uint8_t>>> queue_;
  bool stop_ = false;
  std::thread thread_;
};

void serve_connection(int fd, SinkState& state) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  std::unique_ptr<DelayedWriter> delayed;
  if (state.produce_delay().count() > 0) delayed = std::make_unique<DelayedWriter>(fd);
  std::vector<std::uint8_t> body;
  while (true) {
    std::uint8_t len_bytes[4];
    if (!read_exact(fd, len_bytes, 4)) break;
    std::uint32_t len = (std::uint32_t{len_bytes[0]} << 24) | (std::uint32_t{len_bytes[1]} << 16) |
                        (std::uint32_t{len_bytes[2]} << 8) | std::uint32_t{len_bytes[3]};
    if (len > 256u * 1024 * 1024) break;
    body.resize(len);
    if (!read_exact(fd, body.data(), len)) break;
    auto a = answer_request(kwire::protocol::Bytes(body.data(), body.size()), state);
    if (a.kind == SinkAnswer::Kind::close) break;
    if (a.kind == SinkAnswer::Kind::no_response) continue;
    if (delayed) {
      // Every response goes through the queue so their order is kept.
      auto due = std::chrono::steady_clock::now() +
                 (a.is_produce ? state.produce_delay() : std::chrono::microseconds(0));
      delayed->push(due, std::move(a.frame));
    } else if (!write_all(fd, a.frame.data(), a.frame.size())) {
      break;
    }
  }
  delayed.reset();
  ::close(fd);
}

}  // namespace

std::vector<int> bind_listeners(const std::string& host, int count, std::vector<std::int32_t>& ports,
                                std::string& error) {
  std::vector<int> fds;
  for (int i = 0; i < count; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = 0;
    if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
      error = "not an IPv4 address: " + host;
      ::close(fd);
      return {};
    }
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 64) != 0) {
      error = std::string("bind/listen: ") + std::strerror(errno);
      ::close(fd);
      return {};
    }
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ports.push_back(ntohs(addr.sin_port));
    fds.push_back(fd);
  }
  return fds;
}

void serve_forever(const std::vector<int>& listeners, SinkState& state) {
  for (int lfd : listeners) {
    std::thread([lfd, &state] {
      while (true) {
        int fd = ::accept(lfd, nullptr, nullptr);
        if (fd < 0) {
          if (errno == EINTR || errno == ECONNABORTED) continue;
          return;
        }
        std::thread(serve_connection, fd, std::ref(state)).detach();
      }
    }).detach();
  }
}

}  // namespace kwire::bench
