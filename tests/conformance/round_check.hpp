// The checks every forced-version round test makes on its capture: `kwire
// wire check` finds no violation and re-encodes every frame byte for byte,
// each round's requests of each forced API went out at exactly the round's
// version, and the matrix learns what was sent and how it decoded. Then
// tshark compares its fields (tshark_check.hpp). Tests only; one thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "forced_versions.hpp"
#include "version_matrix.hpp"

namespace kwire::test::conformance {

void check_rounds(const std::string& path, const std::vector<std::uint16_t>& ports,
                  const std::map<std::uint16_t, int>& round_of_port, const std::vector<ForcedApi>& apis,
                  VersionMatrix& matrix);

}  // namespace kwire::test::conformance
