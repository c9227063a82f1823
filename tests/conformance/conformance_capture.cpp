// See conformance_capture.hpp.
#include "conformance_capture.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "../../tools/kwire/wire/json.cpp"  // NOLINT: the tool has no library; its JSON parser reads the output
#include "../tools/run_tool_impl.hpp"
#include "loopback_capture.hpp"

namespace kwire::test::conformance {

bool capture_traffic(const std::string& path, const std::vector<std::uint16_t>& ports,
                     const std::function<void()>& run, std::string& why) {
  LoopbackCapture capture(path);
  if (!capture.start(ports)) {
    why = capture.why();
    return false;
  }
  run();
  if (!capture.stop()) {
    why = "dumpcap did not finish the capture";
    return false;
  }
  return true;
}

std::string port_list(const std::vector<std::uint16_t>& ports) {
  std::string out;
  for (auto p : ports) out += (out.empty() ? "" : ",") + std::to_string(p);
  return out;
}

std::vector<Json> decode_frames(const std::string& path, const std::vector<std::uint16_t>& ports) {
  auto run = run_tool({"wire", "decode", "--pcap", path, "--port", port_list(ports)});
  INFO("stderr: " << run.err);
  REQUIRE(run.exit_code == 0);
  return json_lines(run.out);
}

bool tshark_packets(const std::string& path, const std::vector<std::uint16_t>& ports, Json& out, std::string& why) {
  if (std::system("command -v tshark >/dev/null 2>&1") != 0) {
    why = "tshark is not installed (tools/setup.sh installs it)";
    return false;
  }
  std::string command = "tshark -n -r " + path;
  for (auto p : ports) command += " -d tcp.port==" + std::to_string(p) + ",kafka";
  command += " -T json 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    why = "cannot run tshark";
    return false;
  }
  std::string text;
  char buffer[65536];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) text.append(buffer, n);
  const int status = pclose(pipe);
  std::string error;
  if (status != 0 || !Json::parse(text, out, &error)) {
    why = "tshark failed (status " + std::to_string(status) + ") or printed no JSON: " + error;
    return false;
  }
  return true;
}

std::uint16_t port_of(const std::string& endpoint) {
  return static_cast<std::uint16_t>(std::stoi(endpoint.substr(endpoint.rfind(':') + 1)));
}

}  // namespace kwire::test::conformance
