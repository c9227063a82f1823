// Runs the kwire command-line tool as a child process for the CLI tests:
// feeds stdin, captures stdout and stderr, kills it after a time limit. The
// binary is found next to the test executable's build directory
// (<build>/tools/kwire), or at $KWIRE_TOOL.
#pragma once

#include <chrono>
#include <sstream>
#include <string>
#include <vector>

namespace kwire::test {

struct ToolRun {
  int exit_code = -1;      // -1 when killed or not started
  bool timed_out = false;
  std::string out, err;
  std::chrono::milliseconds elapsed{0};
};

std::string kwire_tool_path();
ToolRun run_tool(const std::vector<std::string>& args, const std::string& input = "",
                 std::chrono::seconds limit = std::chrono::seconds(120));

// A tool's output split into its lines.
inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

}  // namespace kwire::test
