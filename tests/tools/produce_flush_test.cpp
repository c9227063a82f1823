// `kwire produce` waits for its records as long as delivery.timeout.ms lets
// them take (issue 11): it used to flush for a fixed 60 s and then close,
// failing records still on their way as "producer closed". Against the
// TxnBroker, whose node answers the Produce request 66 s late (within the
// request and delivery timeouts): every record is delivered, exit 0.
#include <catch2/catch.hpp>

#include "run_tool.hpp"
#include "txn_broker.hpp"

using namespace std::chrono_literals;
using kwire::test::ProduceFault;
using kwire::test::ProduceFaultAction;
using kwire::test::run_tool;
using kwire::test::TxnBroker;

TEST_CASE("kwire produce waits delivery.timeout.ms for its records, not a fixed 60 s", "[tools][txn_broker]") {
  kwire::test::TxnBrokerOptions options;
  options.nodes = 1;
  TxnBroker broker(options);
  broker.create_topic("slow", 1);
  ProduceFault late;
  late.action = ProduceFaultAction::delay_response;
  late.topic = "slow";
  late.delay = 66s;  // past the old fixed flush (60 s) plus close (5 s)
  broker.add_produce_fault(late);
  auto run = run_tool({"produce", "-b", broker.bootstrap(), "-t", "slow", "-X", "linger.ms=0", "-X",
                       "request.timeout.ms=90000", "-X", "delivery.timeout.ms=120000"},
                      "one\ntwo\nthree\n", 200s);
  INFO("stderr: " << run.err);
  CHECK(run.exit_code == 0);
  CHECK(run.err.find("3 records delivered to slow") != std::string::npos);
  CHECK(run.err.find("flush") == std::string::npos);
  CHECK(run.elapsed >= 66s);
}
