// `kwire wire check` and `kwire wire decode --pcap` (see wire_check_command.hpp).
#include "wire_check_command.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "capture_analysis.hpp"
#include "check_report.hpp"
#include "frame_check.hpp"

namespace kwire::tool::wire {

namespace {

constexpr const char* kUsage =
    "Usage: kwire wire check FILE.pcap|FILE.pcapng [--port N[,N...]]... [--json]\n"
    "       kwire wire decode --pcap FILE [--port N[,N...]]...\n"
    "check reassembles the capture's TCP connections, pairs Kafka requests and responses by\n"
    "correlation id, decodes every frame against Kafka's specs and re-encodes it, and prints a\n"
    "table (or, with --json, JSON lines) of frames, byte-identical re-encodes and violations.\n"
    "Exit status 1 when a violation is found. --port names the brokers' ports (default: 9092,\n"
    "and every connection is examined); with --port, only connections to those ports are.\n"
    "decode --pcap prints every frame of the capture as a JSON line.\n";

struct Arguments {
  std::string path;
  PairingOptions pairing;
  bool json = false;
};

bool parse_ports(const std::string& text, std::set<std::uint16_t>& out) {
  std::size_t at = 0;
  while (at <= text.size()) {
    const std::size_t comma = std::min(text.find(',', at), text.size());
    const std::string one = text.substr(at, comma - at);
    char* end = nullptr;
    const long port = std::strtol(one.c_str(), &end, 10);
    if (one.empty() || *end != '\0' || port <= 0 || port > 65535) return false;
    out.insert(static_cast<std::uint16_t>(port));
    at = comma + 1;
  }
  return true;
}

// 0 when parsed; else the exit status.
int parse(int argc, char** argv, bool allow_json, Arguments& args) {
  std::set<std::uint16_t> ports;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return -1;
    }
    if (a == "--port" && i + 1 < argc) {
      if (!parse_ports(argv[++i], ports)) {
        std::fprintf(stderr, "kwire wire: bad port list '%s'\n", argv[i]);
        return 2;
      }
    } else if (a == "--json" && allow_json) {
      args.json = true;
    } else if (a == "--pcap") {
      // decode's marker: the file follows
    } else if (!a.empty() && a[0] != '-' && args.path.empty()) {
      args.path = a;
    } else {
      std::fputs(kUsage, stderr);
      return 2;
    }
  }
  if (args.path.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  if (!ports.empty()) {
    args.pairing.kafka_ports = ports;
    args.pairing.only_kafka_ports = true;
  }
  return 0;
}

bool analyze(const Arguments& args, CaptureAnalysis& analysis) {
  std::string error;
  if (analyze_capture(args.path, args.pairing, analysis, error)) return true;
  std::fprintf(stderr, "kwire wire: %s\n", error.c_str());
  return false;
}

}  // namespace

int run_check(int argc, char** argv) {
  Arguments args;
  if (int status = parse(argc, argv, true, args)) return status < 0 ? 0 : status;
  CaptureAnalysis analysis;
  if (!analyze(args, analysis)) return 2;
  CheckReport report(analysis, args.json ? stdout : nullptr);
  for (const auto& problem : analysis.paired.stream_problems) report.add_stream_problem(problem);
  for (const auto& frame : analysis.paired.frames) report.add_frame(frame, check_frame(frame, false));
  report.finish(args.json ? nullptr : stdout);
  return report.violations() ? 1 : 0;
}

int run_decode_pcap(int argc, char** argv) {
  Arguments args;
  if (int status = parse(argc, argv, false, args)) return status < 0 ? 0 : status;
  CaptureAnalysis analysis;
  if (!analyze(args, analysis)) return 2;
  for (const auto& frame : analysis.paired.frames) {
    FrameCheck check = check_frame(frame, true);
    Json j = CheckReport::frame_identity(analysis, frame);
    j.set("header_version", Json::integer(check.header_version));
    j.set("header", std::move(check.header));
    j.set("message", check.message.empty() ? Json() : Json::string(check.message));
    j.set("body", std::move(check.body));
    std::fputs(j.dump(0).c_str(), stdout);
    std::fputc('\n', stdout);
  }
  return 0;
}

}  // namespace kwire::tool::wire
