// `kwire wire check FILE` and `kwire wire decode --pcap FILE`: the capture
// side of the conformance tool (see check_report.hpp for the output).
#pragma once

namespace kwire::tool::wire {

// argv: what follows "check" (or "decode"). Exit status: 0 when the capture
// holds no violation, 1 when it does, 2 for bad arguments or an unreadable file.
int run_check(int argc, char** argv);
int run_decode_pcap(int argc, char** argv);

}  // namespace kwire::tool::wire
