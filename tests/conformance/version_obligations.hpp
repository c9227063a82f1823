// What a negotiated version obliges kwire's requests to say, checked on the
// decoder's reading of a capture (`kwire wire decode --pcap`): values that
// opt out of a newer version's meaning, as docs/conformance.md ("What each
// negotiated version obliges kwire to do") claims kwire sends. Each rule
// holds for every request of the API at or above its version; a rule whose
// field appeared in no request is reported, so a claim cannot go unchecked
// when the rounds sent that version. Tests only; one thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "../../tools/kwire/wire/json.hpp"

namespace kwire::test::conformance {

struct Obligation {
  std::int16_t api_key;
  std::int16_t min_version;
  const char* field;     // spec field name, anywhere in the body
  const char* value;     // the decoder's text of the value kwire must send
  bool must_equal;       // false: must differ from `value` (e.g. never null)
  const char* meaning;   // the KIP or rule, for failure messages
};

const std::vector<Obligation>& obligations();

struct ObligationReport {
  std::vector<std::string> broken;   // one line per value that breaks a rule
  std::vector<int> checked;          // per rule (index of obligations()): values checked
  std::vector<bool> version_sent;    // per rule: a request at or above min_version was in the capture
};

ObligationReport check_obligations(const std::vector<kwire::tool::Json>& frames);

}  // namespace kwire::test::conformance
