// Runs tshark and `kwire wire decode --pcap` over a capture of kwire's
// requests and compares them field by field (field_comparison.hpp): every
// request tshark dissects must show the decoder's values, with no expert
// complaint about lengths or varints; requests at versions tshark does not
// know are counted as such. Fills the matrix's tshark columns; fails the
// test on a mismatch. Skips (with a warning) when tshark is missing.
// Tests only; one thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "version_matrix.hpp"

namespace kwire::test::conformance {

void compare_with_tshark(const std::string& path, const std::vector<std::uint16_t>& broker_ports,
                         VersionMatrix& matrix);

}  // namespace kwire::test::conformance
