// SASL on BrokerConnection against the SASL test server (tests/support/
// sasl_server; the mock cluster has no SASL): full PLAIN, SCRAM-SHA-256 and
// SCRAM-SHA-512 exchanges; a wrong password, a disabled mechanism and an
// impostor server are refused; no password reaches a log line or an error.
// With the mock cluster behind the server, the authenticated connection
// carries ordinary requests, also over TLS (SASL_SSL).
#include <catch2/catch.hpp>

#include "kwire/net/broker_connection.hpp"
#include "kwire/net/sasl/sasl_authenticator.hpp"
#include "kwire/net/tls/tls_context.hpp"
#include "mock_cluster.hpp"
#include "net_test_util.hpp"
#include "sasl_server.hpp"
#include "test_certs.hpp"
#include "tls_relay.hpp"

using namespace kwire::net;
using kwire::test::run_coroutine;
using kwire::test::SaslServer;
using kwire::test::SaslServerOptions;

namespace {

const std::string kPassword = "pa55-Unique-Secret!";

struct Outcome {
  std::error_code error;
  std::string detail;
  std::vector<std::string> log_lines;
  std::shared_ptr<BrokerConnection> connection;
};

Outcome authenticate(asio::io_context& io, SaslMechanism mechanism, const std::string& password, std::uint16_t port,
                     SecurityProtocol protocol = SecurityProtocol::sasl_plaintext,
                     std::shared_ptr<asio::ssl::context> tls = nullptr, TlsSettings tls_settings = {}) {
  auto lines = std::make_shared<std::vector<std::string>>();
  LogHook log;
  log.level = LogLevel::debug;
  log.callback = [lines](LogLevel, std::string_view line) { lines->emplace_back(line); };
  auto config = kwire::test::test_config();
  config->security.protocol = protocol;
  config->security.tls_context = std::move(tls);
  config->security.tls = std::move(tls_settings);
  config->security.authenticate = make_sasl_authenticator({mechanism, "alice", Secret(password)}, log);
  config->log = log;
  std::string host = protocol == SecurityProtocol::sasl_ssl ? "localhost" : "127.0.0.1";
  auto conn = BrokerConnection::create(io.get_executor(), config, nullptr, 1, host, port);
  auto ec = run_coroutine(io, conn->open());
  return {ec, conn->failure_detail(), *lines, conn};
}

SaslServerOptions alice() {
  SaslServerOptions options;
  options.users = {{"alice", kPassword}, {"bob", "other"}};
  return options;
}

void check_no_secret(const Outcome& o) {
  for (const auto& line : o.log_lines) CHECK(line.find(kPassword) == std::string::npos);
  CHECK(o.detail.find(kPassword) == std::string::npos);
  CHECK(o.error.message().find(kPassword) == std::string::npos);
}

}  // namespace

TEST_CASE("SASL authenticates with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512", "[net][sasl]") {
  auto mechanism = GENERATE(SaslMechanism::plain, SaslMechanism::scram_sha_256, SaslMechanism::scram_sha_512);
  SaslServer server(alice());
  asio::io_context io;
  auto o = authenticate(io, mechanism, kPassword, server.port());
  INFO(to_string(mechanism) << ": " << o.error.message() << " / " << o.detail);
  CHECK_FALSE(o.error);
  CHECK(o.connection->ready());
  CHECK(server.authentications_succeeded() == 1);
  CHECK(server.authentications_failed() == 0);
  check_no_secret(o);
  o.connection->close();
  kwire::test::drain(io);
}

TEST_CASE("SASL with a wrong password fails with an authentication error and closes", "[net][sasl]") {
  auto mechanism = GENERATE(SaslMechanism::plain, SaslMechanism::scram_sha_256, SaslMechanism::scram_sha_512);
  SaslServer server(alice());
  asio::io_context io;
  auto o = authenticate(io, mechanism, "not-" + kPassword, server.port());
  INFO(o.detail);
  CHECK(o.error == sasl_errc::authentication_failed);
  CHECK(o.connection->closed());
  CHECK(server.authentications_failed() == 1);
  CHECK(server.authentications_succeeded() == 0);
  for (const auto& line : o.log_lines) CHECK(line.find("not-" + kPassword) == std::string::npos);
  check_no_secret(o);
  kwire::test::drain(io);
}

TEST_CASE("SASL reports a mechanism the broker does not enable", "[net][sasl]") {
  auto options = alice();
  options.mechanisms = {"PLAIN"};
  SaslServer server(options);
  asio::io_context io;
  auto o = authenticate(io, SaslMechanism::scram_sha_512, kPassword, server.port());
  CHECK(o.error == sasl_errc::mechanism_not_enabled);
  CHECK(o.connection->closed());
  kwire::test::drain(io);
}

TEST_CASE("SCRAM refuses a server whose final signature does not verify", "[net][sasl]") {
  auto options = alice();
  options.forge_server_signature = true;
  SaslServer server(options);
  asio::io_context io;
  auto o = authenticate(io, SaslMechanism::scram_sha_256, kPassword, server.port());
  CHECK(o.error == sasl_errc::server_signature_mismatch);
  CHECK(o.connection->closed());
  kwire::test::drain(io);
}

TEST_CASE("SASL in front of the mock cluster: the authenticated connection carries requests", "[net][sasl][mock]") {
  kwire::test::MockCluster cluster(1);
  auto options = alice();
  options.upstream_host = cluster.first_host();
  options.upstream_port = cluster.first_port();
  SaslServer server(options);
  asio::io_context io;
  auto o = authenticate(io, SaslMechanism::scram_sha_512, kPassword, server.port());
  INFO(o.error.message() << " / " << o.detail);
  REQUIRE_FALSE(o.error);
  // The version table came from the mock (through the SASL server).
  CHECK(o.connection->api_versions().broker_range(0 /* Produce */));
  auto [ec, raw] = run_coroutine(io, o.connection->send_frame(kwire::test::api_versions_v0(*o.connection), true));
  CHECK_FALSE(ec);
  o.connection->close();
  kwire::test::drain(io);
}

TEST_CASE("SASL_SSL: SCRAM over TLS in front of the mock cluster", "[net][sasl][tls][mock]") {
  kwire::test::TestPki pki;
  kwire::test::MockCluster cluster(1);
  auto options = alice();
  options.upstream_host = cluster.first_host();
  options.upstream_port = cluster.first_port();
  SaslServer server(options);
  kwire::test::TlsRelay relay(server.bootstrap(), kwire::test::TlsRelayOptions::serving(pki.server));
  TlsSettings tls;
  tls.ca_location = pki.ca_file;
  auto context = make_tls_context(tls);
  REQUIRE_FALSE(context.error);
  asio::io_context io;
  auto o = authenticate(io, SaslMechanism::scram_sha_256, kPassword, relay.port(), SecurityProtocol::sasl_ssl,
                        context.context, tls);
  INFO(o.error.message() << " / " << o.detail);
  CHECK_FALSE(o.error);
  CHECK(relay.handshakes_completed() == 1);
  CHECK(server.authentications_succeeded() == 1);
  o.connection->close();
  kwire::test::drain(io);
}
