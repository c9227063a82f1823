// kwire_txn_broker: tests/support's TxnBroker as a program, so a capture of
// `kwire demo -b` (or of any client) against a peer that answers every
// version correctly can be made and checked from the command line
// (docs/conformance.md, "Evidence"). librdkafka's mock, the demo's embedded
// cluster, answers ApiVersions v3 with a malformed UNSUPPORTED_VERSION frame,
// which `kwire wire check` rightly reports. Prints its bootstrap address on
// stdout, then serves until SIGINT or SIGTERM. Test tool, not installed.
#include <csignal>
#include <cstdio>

#include "txn_broker.hpp"

int main() {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  // Blocked before the broker's threads start, so they inherit the mask and
  // only sigwait below receives the signal.
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  kwire::test::TxnBroker broker;
  std::printf("%s\n", broker.bootstrap().c_str());
  std::fflush(stdout);
  int signal = 0;
  sigwait(&stop, &signal);
  return 0;
}
