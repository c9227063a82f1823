// LoopbackCapture (see loopback_capture.hpp).
#include "loopback_capture.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace kwire::test {

namespace {

constexpr auto kDeadline = std::chrono::seconds(20);

long file_size(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? static_cast<long>(st.st_size) : -1;
}

// A port nothing listens on: bound, never listened to, then released.
std::uint16_t unused_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  std::uint16_t port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  close(fd);
  return port;
}

// A SYN to a closed port: two packets (SYN, RST) and no connection.
void knock(std::uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  (void)connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  close(fd);
}

}  // namespace

LoopbackCapture::LoopbackCapture(std::string path) : path_(std::move(path)) {}

LoopbackCapture::~LoopbackCapture() {
  if (child_ > 0) {
    kill(child_, SIGKILL);
    waitpid(child_, nullptr, 0);
  }
}

bool LoopbackCapture::probe_until_written() {
  const long before = file_size(path_);
  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while (std::chrono::steady_clock::now() < deadline) {
    knock(probe_port_);
    // dumpcap writes each packet as it comes; a few knocks cover its start-up.
    for (int i = 0; i < 50; ++i) {
      if (file_size(path_) > before && before >= 0) return true;
      int status = 0;
      if (waitpid(child_, &status, WNOHANG) == child_) {
        child_ = -1;
        why_ = "dumpcap exited (status " + std::to_string(status) + ")";
        return false;
      }
      usleep(2000);  // polling the file: dumpcap offers no other signal
    }
  }
  why_ = "dumpcap wrote nothing within 20 s";
  return false;
}

bool LoopbackCapture::start(const std::vector<std::uint16_t>& ports) {
  if (std::system("command -v dumpcap >/dev/null 2>&1") != 0) {
    why_ = "dumpcap is not installed (tools/setup.sh installs it)";
    return false;
  }
  probe_port_ = unused_port();
  std::string filter = "tcp and (port " + std::to_string(probe_port_);
  for (auto p : ports) filter += " or port " + std::to_string(p);
  filter += ")";
  unlink(path_.c_str());
  child_ = fork();
  if (child_ == 0) {
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    // -B 64: a 64 MiB kernel buffer, so a loaded machine (the test command
    // runs tests side by side) does not drop packets before dumpcap reads them.
    execlp("dumpcap", "dumpcap", "-q", "-i", "lo", "-B", "64", "-f", filter.c_str(), "-w", path_.c_str(),
           static_cast<char*>(nullptr));
    _exit(127);
  }
  // The file appears with its header before any packet.
  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while (file_size(path_) <= 0 && std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(child_, &status, WNOHANG) == child_) {
      child_ = -1;
      why_ = "dumpcap could not capture on lo (exit status " + std::to_string(status) + ")";
      return false;
    }
    usleep(2000);
  }
  return probe_until_written();
}

bool LoopbackCapture::stop() {
  if (child_ <= 0) return false;
  const bool flushed = probe_until_written();
  kill(child_, SIGINT);
  int status = 0;
  waitpid(child_, &status, 0);
  child_ = -1;
  return flushed && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace kwire::test
