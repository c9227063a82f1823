// Captures what kwire sends to test brokers on loopback (dumpcap) and reads
// the capture back three ways: `kwire wire check` (every frame decoded by
// the specs' schema walk, re-encoded by the generated structs, violations),
// `kwire wire decode --pcap` (every frame's header and body as JSON), and
// tshark's Kafka dissector (-T json), so the tests compare two decoders that
// share no code. Tests only; blocking; one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "../tools/wire_check_run.hpp"

namespace kwire::test::conformance {

using kwire::tool::Json;

// Captures the traffic `run` makes to `ports`. False (with why) when capturing
// on loopback is impossible here; the caller then skips.
bool capture_traffic(const std::string& path, const std::vector<std::uint16_t>& ports,
                     const std::function<void()>& run, std::string& why);

std::string port_list(const std::vector<std::uint16_t>& ports);

// `kwire wire decode --pcap`: one JSON object per frame.
std::vector<Json> decode_frames(const std::string& path, const std::vector<std::uint16_t>& ports);

// tshark's dissection of every packet (tshark -T json with the ports decoded
// as Kafka). False (with why) when tshark is missing or fails.
bool tshark_packets(const std::string& path, const std::vector<std::uint16_t>& ports, Json& out, std::string& why);

// The port after the last ':' of "host:port".
std::uint16_t port_of(const std::string& endpoint);

}  // namespace kwire::test::conformance
