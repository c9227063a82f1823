// See round_check.hpp.
#include "round_check.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <set>
#include <utility>

#include "conformance_capture.hpp"
#include "fetch_session_obligations.hpp"
#include "tshark_check.hpp"
#include "version_obligations.hpp"

namespace kwire::test::conformance {

void check_rounds(const std::string& path, const std::vector<std::uint16_t>& ports,
                  const std::map<std::uint16_t, int>& round_of_port, const std::vector<ForcedApi>& apis,
                  VersionMatrix& matrix) {
  auto check = kwire::test::check_capture_file(path, {"--port", port_list(ports)});
  for (const auto& [line, v] : check.violations) FAIL_CHECK("violation in " << line->dump(0) << ": " << v->dump(0));
  CHECK(check.exit_code == 0);
  CHECK(check.summary.find("identical")->as_int() == check.summary.find("frames")->as_int());
  // (round, api) -> versions seen in requests
  std::map<std::pair<int, std::int16_t>, std::set<std::int64_t>> sent;
  for (const auto& f : check.frames) {
    if (f.find("direction")->as_string() != "request") continue;
    const int round = round_of_port.at(port_of(f.find("server")->as_string()));
    const auto key = static_cast<std::int16_t>(f.find("api_key")->as_int());
    const auto version = static_cast<std::int16_t>(f.find("api_version")->as_int());
    sent[{round, key}].insert(version);
    auto& cell = matrix.at(key, version);
    ++cell.requests;
    const auto violations = f.find("violations")->items().size();
    cell.violations += static_cast<int>(violations);
    if (f.find("decoded")->as_bool() && f.find("identical")->as_bool() && violations == 0) ++cell.decoded_identical;
  }
  std::set<int> rounds_seen;
  for (const auto& [port, round] : round_of_port) rounds_seen.insert(round);
  bool all_seen = true;
  for (int r : rounds_seen) {
    for (const auto& api : apis) {
      INFO("round " << r << ", " << api_name(api.key));
      const auto expected = expected_in_round(api, r);
      const bool seen = sent[{r, api.key}] == std::set<std::int64_t>(expected.begin(), expected.end());
      CHECK(seen);
      all_seen = all_seen && seen;
    }
  }
  if (!all_seen) {
    // Kept for a look with tshark (the caller removes `path`).
    const std::string kept = path + ".kept";
    std::rename(path.c_str(), kept.c_str());
    std::filesystem::copy_file(kept, path);
    WARN("requests missing from the capture; it is kept at " << kept);
  }
  // What the negotiated versions oblige the requests to say (KIP-360,
  // fetch sessions, leader epochs, topic ids): version_obligations.hpp.
  const auto frames = decode_frames(path, ports);
  const auto report = check_obligations(frames);
  for (const auto& line : report.broken) FAIL_CHECK(line);
  const auto& rules = obligations();
  for (std::size_t i = 0; i < rules.size(); ++i) {
    if (!report.version_sent[i]) continue;
    INFO(api_name(rules[i].api_key) << " v" << rules[i].min_version << "+ " << rules[i].field);
    CHECK(report.checked[i] > 0);
  }
  // Fetch sessions (KIP-227): each request's session id and epoch as the answers before it allow.
  const auto sessions = check_fetch_sessions(frames);
  for (const auto& line : sessions.broken) FAIL_CHECK(line);
  bool fetch_v7 = false;
  for (const auto& api : apis)
    if (api.key == 1)
      for (int r : rounds_seen)
        for (auto v : expected_in_round(api, r)) fetch_v7 = fetch_v7 || v >= 7;
  if (fetch_v7) CHECK(sessions.requests > 0);
  compare_with_tshark(path, ports, matrix);
}

}  // namespace kwire::test::conformance
