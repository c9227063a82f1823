// Runs the kwire command-line tool as a child process for the CLI tests:
// feeds stdin, captures stdout and stderr, kills it after a time limit. The
// binary is found next to the test executable's build directory
// (<build>/tools/kwire), or at $KWIRE_TOOL.
#pragma once

#include <chrono>
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

}  // namespace kwire::test
