// What KIP-227 obliges kwire's Fetch v7+ requests to carry, checked on the
// decoder's reading of a capture (`kwire wire decode --pcap`): per
// connection, in packet order, each Fetch's SessionId and SessionEpoch must
// be what the answer to the one before allows. The first asks for a session
// (0, 0); an answer opening session X (no error) makes the next (X, 1), an
// incremental one (X, n) the next (X, n + 1) (past INT32_MAX: 1); an answer
// with session id 0 makes it (0, 0) again; FETCH_SESSION_ID_NOT_FOUND (0, 0);
// any other top-level error (X, 0). A close, (X, -1), names no partition and
// ends the session. A static value rule (version_obligations.hpp) cannot say
// this: the values depend on the broker's answers. Tests only; one thread.
#pragma once

#include <string>
#include <vector>

#include "../../tools/kwire/wire/json.hpp"

namespace kwire::test::conformance {

struct FetchSessionReport {
  int requests = 0;     // Fetch v7+ requests checked
  int incremental = 0;  // of them with an epoch above 0
  std::vector<std::string> broken;
};

FetchSessionReport check_fetch_sessions(const std::vector<kwire::tool::Json>& frames);

}  // namespace kwire::test::conformance
