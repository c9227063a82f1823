// The kwire command's subcommands take OAUTHBEARER as they take the other
// sasl.* settings (-X, librdkafka's unsecured JWS): produce, metadata,
// api-versions, consume, demo, perf produce and perf consume (whose partition
// lookup and --fill producer used to ignore -X) through the SASL
// front end (the only way to the mock behind it); a token the broker refuses
// is an error naming its status; bad OAUTHBEARER settings are usage errors.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "mock_cluster.hpp"
#include "run_tool.hpp"
#include "sasl_server.hpp"
#include "secured_cli_run.hpp"

using kwire::test::run_tool;

namespace cli_oauth_test {

using kwire::test::cli::contains;
using kwire::test::cli::with;

const std::vector<std::string> kOauth = {"security.protocol=SASL_PLAINTEXT", "sasl.mechanisms=OAUTHBEARER",
                                         "enable.sasl.oauthbearer.unsecure.jwt=true",
                                         "sasl.oauthbearer.config=principal=alice scope=cli"};

// The test cases stay in the namespace: unity builds put files together.

TEST_CASE("every subcommand authenticates with OAUTHBEARER's unsecured JWS settings", "[tools][mock][security][oauth]") {
  kwire::test::MockCluster cluster(1, {{"oauth-cli", 1}});
  kwire::test::SaslServerOptions front;
  front.mechanisms = {"OAUTHBEARER"};
  front.oauth_required_scope = "cli";
  front.upstream_host = cluster.first_host();
  front.upstream_port = cluster.first_port();
  kwire::test::SaslServer sasl(front);
  const std::string b = sasl.bootstrap();

  kwire::test::cli::run_every_subcommand({.bootstrap = b, .settings = kOauth, .topic = "oauth-cli", .lines = "x\ny\n",
                                          .demo_topic = "oauth-demo", .demo_messages = "100"});
  auto perf = run_tool(with({"perf", "produce", "-b", b, "-t", "oauth-perf", "-n", "200", "-s", "20"}, kOauth));
  INFO("perf produce: " << perf.out << perf.err);
  CHECK(perf.exit_code == 0);
  // kwire's consumer (perf consume --client librdkafka cannot be shown here:
  // the front end does not rewrite FindCoordinator answers, and librdkafka's
  // consumer then reaches the mock's own port, which has no SASL).
  auto perf_consume = run_tool(with({"perf", "consume", "-b", b, "-t", "oauth-perf", "-n", "200"}, kOauth));
  INFO("perf consume: " << perf_consume.out << perf_consume.err);
  CHECK(perf_consume.exit_code == 0);
  CHECK(sasl.authentications_succeeded() >= 7);
  CHECK(sasl.authentications_failed() == 0);
  CHECK(sasl.oauth_last_principal() == "alice");

  // A token without the scope the broker wants: refused, naming the status.
  auto refused = run_tool(with({"metadata", "-b", b, "-X", "socket.connection.setup.timeout.ms=3000"},
                               {"security.protocol=SASL_PLAINTEXT", "sasl.mechanism=OAUTHBEARER",
                                "enable.sasl.oauthbearer.unsecure.jwt=true", "sasl.oauthbearer.config=principal=bob"}));
  INFO("refused: " << refused.err);
  CHECK(refused.exit_code == 1);
  CHECK(contains(refused.err, "insufficient_scope"));
  CHECK(sasl.authentications_failed() >= 1);
}

TEST_CASE("bad OAUTHBEARER settings are refused before connecting, naming the setting", "[tools][security][oauth]") {
  for (const char* command : {"metadata", "produce"}) {
    INFO(command);
    auto no_switch = run_tool({command, "-b", "127.0.0.1:1", "-t", "x", "-X", "security.protocol=SASL_PLAINTEXT", "-X",
                               "sasl.mechanism=OAUTHBEARER", "-X", "sasl.oauthbearer.config=principal=a"});
    INFO(no_switch.err);
    CHECK(no_switch.exit_code == 2);
    CHECK(contains(no_switch.err, "enable.sasl.oauthbearer.unsecure.jwt"));
    auto bad_config = run_tool({command, "-b", "127.0.0.1:1", "-t", "x", "-X", "security.protocol=SASL_PLAINTEXT", "-X",
                                "sasl.mechanism=OAUTHBEARER", "-X", "enable.sasl.oauthbearer.unsecure.jwt=true", "-X",
                                "sasl.oauthbearer.config=principal=a life=3"});
    INFO(bad_config.err);
    CHECK(bad_config.exit_code == 2);
    CHECK(contains(bad_config.err, "sasl.oauthbearer.config"));
    CHECK(contains(bad_config.err, "'life'"));
  }
}

}  // namespace cli_oauth_test
