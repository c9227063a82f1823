// BrokerConnection over TLS: a TLS relay (tests/support/tls_relay) with a
// throw-away PKI in front of librdkafka's mock cluster. A verified
// connection works (and Metadata comes back pointing at the relay); a wrong
// CA, a wrong host name and an expired certificate are each refused with a
// precise error; client certificates work when the relay demands them.
#include <catch2/catch.hpp>

#include "kwire/net/broker_connection.hpp"
#include "kwire/net/tls/tls_context.hpp"
#include "kwire/protocol/wire/reader.hpp"
#include "mock_cluster.hpp"
#include "net_test_util.hpp"
#include "test_certs.hpp"
#include "tls_relay.hpp"

using namespace kwire::net;
using kwire::test::CertAndKey;
using kwire::test::MockCluster;
using kwire::test::run_coroutine;
using kwire::test::TestPki;
using kwire::test::TlsRelay;

namespace {

std::shared_ptr<NetConfig> tls_config(TlsSettings settings) {
  auto config = kwire::test::test_config();
  config->security.protocol = SecurityProtocol::ssl;
  auto made = make_tls_context(settings);
  INFO(made.detail);
  REQUIRE_FALSE(made.error);
  config->security.tls_context = made.context;
  config->security.tls = std::move(settings);
  return config;
}

struct Attempt {
  std::error_code error;
  std::string detail;
  std::shared_ptr<BrokerConnection> connection;
};

Attempt open_tls(asio::io_context& io, std::shared_ptr<NetConfig> config, const std::string& host, std::uint16_t port) {
  auto conn = BrokerConnection::create(io.get_executor(), config, nullptr, 1, host, port);
  auto ec = run_coroutine(io, conn->open());
  return {ec, conn->failure_detail(), conn};
}

TlsSettings trusting(const std::string& ca) {
  TlsSettings s;
  s.ca_location = ca;
  return s;
}

}  // namespace

TEST_CASE("TLS connection through a relay is verified and usable; Metadata points at the relay", "[net][tls][mock]") {
  TestPki pki;
  MockCluster cluster(1);
  TlsRelay relay(cluster.bootstrap(), kwire::test::TlsRelayOptions::serving(pki.server));
  asio::io_context io;
  auto attempt = open_tls(io, tls_config(trusting(pki.ca_file)), "localhost", relay.port());
  INFO(attempt.error.message() << " / " << attempt.detail);
  REQUIRE_FALSE(attempt.error);
  auto& conn = *attempt.connection;
  REQUIRE(conn.ready());
  CHECK(relay.handshakes_completed() == 1);

  // Metadata v0 (all topics): the relay must have rewritten the mock's
  // plaintext address to its own TLS listener.
  auto frame = conn.begin_request(3, 0, false);
  frame.writer.i32(0);
  REQUIRE_FALSE(finish_request(frame));
  auto [ec, raw] = run_coroutine(io, conn.send_frame(std::move(frame), true));
  REQUIRE_FALSE(ec);
  kwire::protocol::Reader r(kwire::protocol::Bytes(*raw.frame).subspan(raw.body_offset));
  auto brokers = r.array_length();
  REQUIRE(brokers == std::size_t{1});
  r.i32();
  CHECK(r.string() == "localhost");
  CHECK(r.i32() == relay.port());
  CHECK(r.ok());
  CHECK(relay.metadata_rewrites() == 1);
  conn.close();
  kwire::test::drain(io);
}

TEST_CASE("TLS trusts a CA given as a hashed directory", "[net][tls][mock]") {
  TestPki pki;
  MockCluster cluster(1);
  TlsRelay relay(cluster.bootstrap(), kwire::test::TlsRelayOptions::serving(pki.server));
  asio::io_context io;
  auto attempt = open_tls(io, tls_config(trusting(pki.ca_dir)), "localhost", relay.port());
  INFO(attempt.detail);
  CHECK_FALSE(attempt.error);
  attempt.connection->close();
  kwire::test::drain(io);
}

TEST_CASE("TLS refuses a certificate from an untrusted CA", "[net][tls][mock]") {
  TestPki pki;
  MockCluster cluster(1);
  TlsRelay relay(cluster.bootstrap(), kwire::test::TlsRelayOptions::serving(pki.untrusted));
  asio::io_context io;
  auto attempt = open_tls(io, tls_config(trusting(pki.ca_file)), "localhost", relay.port());
  CHECK(attempt.error == tls_errc::untrusted_certificate);
  CHECK(is_certificate_error(attempt.error));
  CHECK(attempt.detail.find("localhost") != std::string::npos);
  CHECK(attempt.connection->closed());
  kwire::test::drain(io);
}

TEST_CASE("TLS refuses a certificate for another host name, by name and by IP", "[net][tls][mock]") {
  TestPki pki;
  MockCluster cluster(1);
  TlsRelay relay(cluster.bootstrap(), kwire::test::TlsRelayOptions::serving(pki.wrong_host));
  asio::io_context io;
  auto host = GENERATE(std::string("localhost"), std::string("127.0.0.1"));
  auto attempt = open_tls(io, tls_config(trusting(pki.ca_file)), host, relay.port());
  INFO(attempt.detail);
  CHECK(attempt.error == tls_errc::hostname_mismatch);
  CHECK(attempt.detail.find(host) != std::string::npos);
  CHECK(attempt.error.message().find("host name") != std::string::npos);
  CHECK(attempt.connection->closed());
  kwire::test::drain(io);
}

TEST_CASE("TLS host-name check can be turned off explicitly", "[net][tls][mock]") {
  TestPki pki;
  MockCluster cluster(1);
  TlsRelay relay(cluster.bootstrap(), kwire::test::TlsRelayOptions::serving(pki.wrong_host));
  asio::io_context io;
  auto settings = trusting(pki.ca_file);
  settings.verify_hostname = false;
  auto attempt = open_tls(io, tls_config(settings), "localhost", relay.port());
  CHECK_FALSE(attempt.error);
  attempt.connection->close();
  kwire::test::drain(io);
}

TEST_CASE("TLS refuses an expired certificate", "[net][tls][mock]") {
  TestPki pki;
  MockCluster cluster(1);
  TlsRelay relay(cluster.bootstrap(), kwire::test::TlsRelayOptions::serving(pki.expired));
  asio::io_context io;
  auto attempt = open_tls(io, tls_config(trusting(pki.ca_file)), "localhost", relay.port());
  INFO(attempt.detail);
  CHECK(attempt.error == tls_errc::certificate_expired);
  CHECK(attempt.detail.find("expired") != std::string::npos);
  CHECK(attempt.connection->closed());
  kwire::test::drain(io);
}

TEST_CASE("TLS to a plaintext port fails as a handshake error, not a hang", "[net][tls][mock]") {
  TestPki pki;
  MockCluster cluster(1);
  asio::io_context io;
  auto config = tls_config(trusting(pki.ca_file));
  config->connection_setup_timeout = std::chrono::seconds(3);  // the mock may just wait for more bytes
  auto attempt = open_tls(io, config, cluster.first_host(), cluster.first_port());
  CHECK(attempt.error);
  CHECK(attempt.connection->closed());
  kwire::test::drain(io);
}

TEST_CASE("TLS client certificate is presented when the relay demands one", "[net][tls][mock]") {
  TestPki pki;
  MockCluster cluster(1);
  auto options = kwire::test::TlsRelayOptions::serving(pki.server);
  options.client_ca_file = pki.ca_file;
  TlsRelay relay(cluster.bootstrap(), options);
  asio::io_context io;
  auto settings = trusting(pki.ca_file);
  settings.certificate_location = pki.client.cert_file;
  settings.key_location = pki.client.key_file;
  auto with_cert = open_tls(io, tls_config(settings), "localhost", relay.port());
  INFO(with_cert.detail);
  CHECK_FALSE(with_cert.error);
  with_cert.connection->close();

  // Without one the relay refuses (under TLS 1.3 the client learns it only
  // when it reads: the ApiVersions exchange fails).
  auto without = open_tls(io, tls_config(trusting(pki.ca_file)), "localhost", relay.port());
  CHECK(without.error);
  CHECK(without.connection->closed());
  kwire::test::drain(io);
}
