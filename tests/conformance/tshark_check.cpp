// See tshark_check.hpp.
#include "tshark_check.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <tuple>
#include <utility>

#include "conformance_capture.hpp"
#include "field_comparison.hpp"

namespace kwire::test::conformance {

void compare_with_tshark(const std::string& path, const std::vector<std::uint16_t>& broker_ports,
                         VersionMatrix& matrix) {
  Json packets;
  std::string why;
  if (!tshark_packets(path, broker_ports, packets, why)) {
    WARN("not compared with tshark: " << why);
    return;
  }
  // The decoder's requests by connection (client port, broker port) and
  // correlation id: one capture spans several brokers, and the kernel may give
  // connections to two of them the same client port.
  using RequestKey = std::tuple<std::uint16_t, std::uint16_t, std::int64_t>;
  std::map<RequestKey, Json> requests;
  for (auto& frame : decode_frames(path, broker_ports)) {
    const Json* direction = frame.find("direction");
    if (direction == nullptr || direction->as_string() != "request") continue;
    const RequestKey key{port_of(frame.find("client")->as_string()), port_of(frame.find("server")->as_string()),
                         frame.find("correlation_id")->as_int()};
    requests.emplace(key, std::move(frame));
  }
  int compared = 0;
  for (const auto& pdu : tshark_pdus(packets, broker_ports)) {
    if (!pdu.request || pdu.api_key < 0) continue;
    auto& cell = matrix.at(static_cast<std::int16_t>(pdu.api_key), static_cast<std::int16_t>(pdu.api_version));
    if (pdu.version_unknown()) {
      ++cell.tshark_unknown;
      continue;
    }
    INFO("tshark PDU: API " << pdu.api_key << " v" << pdu.api_version << " correlation " << pdu.correlation_id);
    const TsharkDefect* defect = known_tshark_defect(pdu);
    bool defect_seen = false;
    for (const auto& expert : pdu.experts) {
      if (defect != nullptr && expert == defect->expert) defect_seen = true;
      else FAIL_CHECK("tshark's expert info: " << expert);
    }
    if (defect != nullptr) {
      // A defect that no longer shows is a stale excuse: say so.
      CHECK(defect_seen);
      cell.tshark_defects.insert(defect->what);
    }
    auto it = requests.find(RequestKey{pdu.src_port, pdu.dst_port, pdu.correlation_id});
    if (it == requests.end()) {
      FAIL_CHECK("the decoder has no such request");
      continue;
    }
    const auto report = compare_request(pdu, it->second);
    ++cell.tshark_compared;
    cell.tshark_fields += report.compared_fields;
    cell.tshark_mismatches += static_cast<int>(report.mismatches.size());
    for (const auto& m : report.mismatches) FAIL_CHECK(m);
    ++compared;
  }
  CHECK(compared > 0);
}

}  // namespace kwire::test::conformance
