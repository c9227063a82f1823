// See version_matrix.hpp.
#include "version_matrix.hpp"

#include <cstdio>
#include <cstdlib>

#include "kwire/protocol/api_table.hpp"

namespace kwire::test::conformance {

void VersionMatrix::keep_only(const std::set<std::int16_t>& api_keys) {
  std::erase_if(cells_, [&](const auto& entry) { return !api_keys.contains(entry.first.first); });
}

std::string VersionMatrix::markdown() const {
  std::string out =
      "| API | v | sent by kwire | specs decoder (decoded = re-encoded, violations) | tshark 4.0 | end to end |\n"
      "|---|---|---|---|---|---|\n";
  for (const auto& [key, cell] : cells_) {
    const auto* info = kwire::protocol::find_api(key.first);
    std::string name = info ? std::string(info->name) : std::to_string(key.first);
    std::string decoder = std::to_string(cell.decoded_identical) + "/" + std::to_string(cell.requests) + ", " +
                          std::to_string(cell.violations);
    std::string tshark;
    if (cell.tshark_compared > 0)
      tshark = cell.tshark_mismatches == 0 ? "same values (" + std::to_string(cell.tshark_fields) + " fields)"
                                           : std::to_string(cell.tshark_mismatches) + " MISMATCHES";
    if (cell.tshark_unknown > 0) tshark += std::string(tshark.empty() ? "" : "; ") + "version unknown to tshark";
    for (const auto& d : cell.tshark_defects) tshark += "; tshark misreads: " + d + " (not compared)";
    if (tshark.empty()) tshark = "-";
    std::string peers;
    for (const auto& p : cell.end_to_end) peers += (peers.empty() ? "" : ", ") + p;
    if (peers.empty()) peers = "-";
    out += "| " + name + " | " + std::to_string(key.second) + " | " + (cell.requests > 0 ? "yes" : "no") + " | " +
           decoder + " | " + tshark + " | " + peers + " |\n";
  }
  return out;
}

void VersionMatrix::write_if_asked(const std::string& title) const {
  const char* path = std::getenv("KWIRE_CONFORMANCE_MATRIX");
  if (path == nullptr || *path == '\0') return;
  if (FILE* f = std::fopen(path, "a")) {
    const std::string text = "\n### " + title + "\n\n" + markdown();
    std::fputs(text.c_str(), f);
    std::fclose(f);
  }
}

}  // namespace kwire::test::conformance
