// Captures loopback traffic to a pcapng file with Wireshark's dumpcap, for
// conformance tests that check real peers' frames with `kwire wire check`.
// start() returns once packets to the given ports reach the file (a probe
// connection is seen in it), stop() once the packets sent before it are all
// there, so no test waits on a timer. Capturing needs dumpcap and the right
// to capture on `lo` (root here); when that fails, start() says why and the
// test skips. One thread; the dumpcap child is killed on destruction.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace kwire::test {

class LoopbackCapture {
 public:
  explicit LoopbackCapture(std::string path);
  ~LoopbackCapture();
  LoopbackCapture(const LoopbackCapture&) = delete;
  LoopbackCapture& operator=(const LoopbackCapture&) = delete;

  // Captures TCP packets to or from these ports. False (and why()) when
  // capture is impossible here.
  bool start(const std::vector<std::uint16_t>& ports);
  // Waits until everything sent so far is in the file, then ends dumpcap.
  bool stop();
  const std::string& path() const noexcept { return path_; }
  const std::string& why() const noexcept { return why_; }

 private:
  // Connects to a closed port among the captured ones and waits until the
  // file grows: proof that dumpcap has written all earlier packets.
  bool probe_until_written();

  std::string path_;
  std::string why_;
  std::uint16_t probe_port_ = 0;
  pid_t child_ = -1;
};

}  // namespace kwire::test
