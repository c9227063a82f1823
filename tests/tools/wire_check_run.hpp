// Runs `kwire wire check FILE --json` for the wire tests and parses its JSON
// lines (the frames, the summary, every violation). Header-only; the JSON
// parser (tools/kwire/wire/json.cpp) is compiled into wire_check_test.cpp.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "../../tools/kwire/wire/json.hpp"
#include "run_tool.hpp"

namespace kwire::test {

using kwire::tool::Json;

struct CheckRun {
  int exit_code = -1;
  std::vector<Json> lines;
  std::vector<Json> frames;
  Json summary;
  // (line, violation) for every violation of frames and streams.
  std::vector<std::pair<const Json*, const Json*>> violations;
};

inline std::vector<Json> json_lines(const std::string& text) {
  std::vector<Json> out;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    Json line;
    std::string error;
    INFO("line: " << text.substr(at, end - at) << " (" << error << ")");
    REQUIRE(Json::parse(text.substr(at, end - at), line, &error));
    out.push_back(std::move(line));
    at = end + 1;
  }
  return out;
}

inline CheckRun check_capture_file(const std::string& path, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"wire", "check", path, "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto run = run_tool(args);
  INFO("stderr: " << run.err);
  CheckRun out;
  out.exit_code = run.exit_code;
  out.lines = json_lines(run.out);
  REQUIRE(!out.lines.empty());
  for (const auto& l : out.lines) {
    const std::string type = l.find("type")->as_string();
    if (type == "frame") out.frames.push_back(l);
    if (type == "summary") out.summary = l;
  }
  for (const auto& l : out.lines)
    if (const Json* v = l.find("violations"); v && v->type() == Json::Type::array)
      for (const auto& one : v->items()) out.violations.emplace_back(&l, &one);
  return out;
}

}  // namespace kwire::test
