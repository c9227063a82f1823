// tcp_probe.hpp. Only the kernel's headers here (see there why).
#include "tcp_probe.hpp"

#ifdef __linux__
#include <arpa/inet.h>
#include <dirent.h>
#include <linux/tcp.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdlib>
#endif

namespace kwire::test {

#ifdef __linux__
int tcp_socket_connected_to(std::uint16_t port) {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int found = -1;
  while (const dirent* entry = readdir(dir)) {
    const int fd = std::atoi(entry->d_name);
    if (fd <= 2 || fd == dirfd(dir)) continue;
    sockaddr_in peer{};
    socklen_t len = sizeof peer;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0 || peer.sin_family != AF_INET) continue;
    if (ntohs(peer.sin_port) == port && ntohl(peer.sin_addr.s_addr) == INADDR_LOOPBACK) {
      found = fd;
      break;
    }
  }
  closedir(dir);
  return found;
}

std::optional<std::uint32_t> tcp_segments_sent(int fd) {
  tcp_info info{};
  socklen_t len = sizeof info;
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return std::nullopt;
  // An older kernel fills less of the structure than this header describes.
  if (len < offsetof(tcp_info, tcpi_segs_out) + sizeof info.tcpi_segs_out) return std::nullopt;
  return info.tcpi_segs_out;
}

bool tcp_delay_acks(int fd) {
  const int zero = 0;
  return setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &zero, sizeof zero) == 0;
}
#else
int tcp_socket_connected_to(std::uint16_t) { return -1; }
std::optional<std::uint32_t> tcp_segments_sent(int) { return std::nullopt; }
bool tcp_delay_acks(int) { return false; }
#endif

}  // namespace kwire::test
