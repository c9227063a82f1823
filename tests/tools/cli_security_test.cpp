// Every kwire subcommand that talks to brokers takes the same security.*,
// ssl.* and sasl.* settings as a Producer: metadata, api-versions, consume,
// produce and demo through a TLS terminator and a SASL front end (the only
// ways to reach the mock behind them), and refused without the settings or
// with a wrong password. Also: -b without a port means port 9092.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "mock_cluster.hpp"
#include "run_tool.hpp"
#include "sasl_server.hpp"
#include "secured_cli_run.hpp"
#include "test_certs.hpp"
#include "tls_relay.hpp"

using kwire::test::run_tool;

namespace cli_security_test {

using kwire::test::cli::contains;
using kwire::test::cli::with;

// The test cases stay in the namespace: unity builds put files together.

TEST_CASE("every subcommand connects over TLS with the producer's ssl.* settings", "[tools][mock][security]") {
  kwire::test::TestPki pki;
  kwire::test::MockCluster cluster(1, {{"tls-cli", 1}});
  kwire::test::TlsRelayOptions serving;
  serving.cert_file = pki.server.cert_file;
  serving.key_file = pki.server.key_file;
  kwire::test::TlsRelay relay(cluster.bootstrap(), serving);
  const std::string b = relay.bootstrap();
  // librdkafka's name for the CA file, as a librdkafka user would write it.
  const std::vector<std::string> tls = {"security.protocol=SSL", "ssl.ca.location=" + pki.ca_file};

  kwire::test::cli::run_every_subcommand({.bootstrap = b, .settings = tls, .topic = "tls-cli",
                                          .lines = "one\ntwo\nthree\n", .demo_topic = "tls-demo",
                                          .demo_messages = "200", .api_versions_says = "answered ApiVersions"});

  // Without the settings the relay's port speaks only TLS: no metadata.
  auto plaintext = run_tool({"metadata", "-b", b, "-X", "socket.connection.setup.timeout.ms=3000",
                             "-X", "request.timeout.ms=3000"});
  CHECK(plaintext.exit_code == 1);
  CHECK(relay.handshakes_completed() >= 5);
}

TEST_CASE("every subcommand authenticates with the producer's sasl.* settings", "[tools][mock][security]") {
  kwire::test::MockCluster cluster(1, {{"sasl-cli", 1}});
  kwire::test::SaslServerOptions front;
  front.users = {{"alice", "alice-secret"}};
  front.upstream_host = cluster.first_host();
  front.upstream_port = cluster.first_port();
  kwire::test::SaslServer sasl(front);
  const std::string b = sasl.bootstrap();
  const std::vector<std::string> plain = {"security.protocol=SASL_PLAINTEXT", "sasl.mechanisms=PLAIN",
                                          "sasl.username=alice", "sasl.password=alice-secret"};

  kwire::test::cli::produce_and_read_back({.bootstrap = b, .settings = plain, .topic = "sasl-cli", .lines = "x\ny\n"});
  const int succeeded = sasl.authentications_succeeded();
  CHECK(succeeded >= 3);

  const std::vector<std::string> wrong = {"security.protocol=SASL_PLAINTEXT", "sasl.mechanism=SCRAM-SHA-256",
                                          "sasl.username=alice", "sasl.password=wrong"};
  auto refused = run_tool(with({"metadata", "-b", b}, wrong));
  INFO("refused: " << refused.err);
  CHECK(refused.exit_code == 1);
  CHECK(sasl.authentications_failed() >= 1);
  CHECK(sasl.authentications_succeeded() == succeeded);
}

TEST_CASE("unusable security settings are refused before connecting, naming the setting", "[tools][security]") {
  auto missing_ca = run_tool({"api-versions", "-b", "127.0.0.1:1", "-X", "security.protocol=SSL", "-X",
                              "ssl.ca.location=/nonexistent/ca.pem"});
  INFO(missing_ca.err);
  CHECK(missing_ca.exit_code == 2);
  CHECK(contains(missing_ca.err, "security.protocol=SSL"));
  auto no_user = run_tool({"metadata", "-b", "127.0.0.1:1", "-X", "security.protocol=SASL_PLAINTEXT", "-X",
                           "sasl.mechanism=PLAIN"});
  INFO(no_user.err);
  CHECK(no_user.exit_code == 2);
  CHECK(contains(no_user.err, "sasl."));
}

TEST_CASE("-b without a port means port 9092", "[tools]") {
  auto run = run_tool({"api-versions", "-b", "127.0.0.1", "-X", "socket.connection.setup.timeout.ms=2000"});
  INFO(run.out << run.err);
  CHECK_FALSE(contains(run.err, "not host:port"));
  // Nobody may listen on 9092 here; if someone does, it answered.
  if (run.exit_code != 0) CHECK(contains(run.err, "127.0.0.1:9092"));
}

}  // namespace cli_security_test
