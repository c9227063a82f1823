// The API x version matrix the conformance tests fill in as they check
// kwire's frames: sent by kwire, checked by the specs' decoder (decoded,
// re-encoded byte for byte, no violation), checked by tshark field by field
// (or unknown to tshark), end to end with which peer. Written as Markdown to
// $KWIRE_CONFORMANCE_MATRIX when set (docs/conformance.md holds a copy).
// Tests only; one thread.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>

namespace kwire::test::conformance {

struct MatrixCell {
  int requests = 0;             // requests kwire sent at this version
  int decoded_identical = 0;    // of them: decoded and re-encoded byte for byte
  int violations = 0;           // spec violations the decoder found
  int tshark_compared = 0;      // requests tshark dissected and we compared
  int tshark_fields = 0;        // fields compared in them
  int tshark_mismatches = 0;
  int tshark_unknown = 0;       // requests tshark says it cannot dissect (unsupported version)
  std::set<std::string> tshark_defects;  // known misreadings, field not compared (field_comparison.hpp)
  std::set<std::string> end_to_end;  // peers that read back what this version wrote
};

class VersionMatrix {
 public:
  MatrixCell& at(std::int16_t api_key, std::int16_t version) { return cells_[{api_key, version}]; }
  // Drops every API not in `api_keys` (a round test whose capture holds
  // more than the APIs it forces).
  void keep_only(const std::set<std::int16_t>& api_keys);
  std::string markdown() const;
  // Writes markdown() to $KWIRE_CONFORMANCE_MATRIX (appending a section
  // titled `title`), if the variable is set.
  void write_if_asked(const std::string& title) const;

 private:
  std::map<std::pair<std::int16_t, std::int16_t>, MatrixCell> cells_;
};

}  // namespace kwire::test::conformance
