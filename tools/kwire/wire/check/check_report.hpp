// What `kwire wire check` prints: a table (frames per API and version, how
// many re-encoded byte for byte, each violation with where it is) or JSON
// lines (one per frame and per stream problem, then a summary line). The
// report is fed frame by frame; JSON lines are written as they come.
// Single thread.
#pragma once

#include <cstdio>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "capture_analysis.hpp"
#include "frame_check.hpp"

namespace kwire::tool::wire {

class CheckReport {
 public:
  CheckReport(const CaptureAnalysis& analysis, std::FILE* json_lines);

  void add_frame(const FrameInfo& frame, const FrameCheck& check);
  void add_stream_problem(const StreamProblem& problem);
  // The summary: the table, or the last JSON line.
  void finish(std::FILE* table);

  std::size_t violations() const noexcept { return violations_; }

  // The frame's place and identity as JSON members (shared with `wire decode --pcap`).
  static Json frame_identity(const CaptureAnalysis& analysis, const FrameInfo& frame);

 private:
  struct Row {
    std::size_t frames = 0, decoded = 0, identical = 0;
  };
  std::string where(std::size_t connection, bool to_server) const;
  void note_violation(const std::string& place, const Violation& v, std::size_t stream_offset);

  const CaptureAnalysis& analysis_;
  std::FILE* json_;
  std::map<std::tuple<std::int16_t, std::int16_t, bool>, Row> rows_;  // (api, version, request)
  std::map<std::string, std::size_t> by_kind_;
  std::vector<std::string> listed_;  // violation lines for the table
  std::size_t frames_ = 0, decoded_ = 0, identical_ = 0, violations_ = 0, unanswered_ = 0;
};

}  // namespace kwire::tool::wire
