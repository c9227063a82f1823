// The public Producer over TLS and SASL. librdkafka's mock cluster has
// neither, so the tests put our TLS terminator (tls_relay) and SASL front end
// (sasl_server) in front of it; both rewrite the broker addresses in Metadata
// so the producer cannot reach the mock's plaintext port except through them.
// What was written is read back from the mock with librdkafka's consumer.
// Wrong passwords and untrusted certificates must fail each send once, with
// the TLS or SASL reason, well before max.block.ms, and close() must return.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "delivery_recorder.hpp"
#include "kwire/net/sasl/sasl_error.hpp"
#include "kwire/net/tls/tls_error.hpp"
#include "failing_send.hpp"
#include "kwire/producer.hpp"
#include "log_reader.hpp"
#include "mock_cluster.hpp"
#include "sasl_server.hpp"
#include "test_certs.hpp"
#include "tls_relay.hpp"

using namespace std::chrono_literals;
using kwire::Properties;

namespace {

constexpr int kRecords = 40;

// Sends kRecords records to partition 0 of `topic`, flushes, and checks every
// report fired once without error and every record is in the mock's log at
// the offset its report gave.
void produce_and_read_back(const Properties& props, const kwire::test::MockCluster& cluster,
                           const std::string& topic) {
  kwire::test::DeliveryRecorder reports;
  std::vector<std::string> values;
  for (int i = 0; i < kRecords; ++i) values.push_back(topic + "-value-" + std::to_string(i));
  {
    kwire::Producer producer(props);
    for (int i = 0; i < kRecords; ++i) {
      kwire::Record r;
      r.topic = topic;
      r.partition = 0;
      r.value = kwire::as_bytes(values[static_cast<std::size_t>(i)]);
      r.user_id = static_cast<std::uint64_t>(i);
      std::error_code ec = producer.send(r, reports.handler());
      REQUIRE_FALSE(ec);
    }
    REQUIRE_FALSE(producer.flush(20s));
    producer.close(5s);
  }
  auto read = kwire::test::read_partition(cluster.bootstrap(), topic, 0);
  REQUIRE(read.error.empty());
  REQUIRE(read.records.size() == static_cast<std::size_t>(kRecords));
  const auto got = reports.snapshot();
  for (int i = 0; i < kRecords; ++i) {
    INFO("record " << i);
    const auto it = got.find(static_cast<std::uint64_t>(i));
    REQUIRE(it != got.end());
    const kwire::test::RecordedReport& rep = it->second;
    CHECK(rep.fired == 1);
    CHECK_FALSE(rep.error);
    const auto& logged = read.records[static_cast<std::size_t>(i)];
    CHECK(logged.offset == rep.metadata.offset);
    CHECK(logged.value == values[static_cast<std::size_t>(i)]);
  }
}

Properties base(const std::string& bootstrap) {
  return {{"bootstrap.servers", bootstrap}, {"linger.ms", "5"}, {"max.block.ms", "8000"},
          {"request.timeout.ms", "5000"}, {"delivery.timeout.ms", "15000"}};
}

kwire::test::SaslServerOptions sasl_front(const kwire::test::MockCluster& cluster) {
  kwire::test::SaslServerOptions o;
  o.users = {{"alice", "alice-secret"}};
  o.upstream_host = cluster.first_host();
  o.upstream_port = cluster.first_port();
  return o;
}

using kwire::test::failing_send;

}  // namespace

TEST_CASE("security: SSL producer through a TLS relay, read back with librdkafka", "[client][security][mock]") {
  kwire::test::TestPki pki;
  kwire::test::MockCluster cluster(1, {{"tls-topic", 1}});
  kwire::test::TlsRelay relay(cluster.bootstrap(), kwire::test::TlsRelayOptions::serving(pki.server));
  Properties p = base(relay.bootstrap());
  p["security.protocol"] = "SSL";
  p["ssl.ca.location"] = pki.ca_file;
  produce_and_read_back(p, cluster, "tls-topic");
  CHECK(relay.handshakes_completed() >= 1);
  CHECK(relay.metadata_rewrites() >= 1);
  CHECK(relay.handshakes_failed() == 0);
}

TEST_CASE("security: SSL with a client certificate (mTLS) and Java's PEM properties", "[client][security][mock]") {
  kwire::test::TestPki pki;
  kwire::test::MockCluster cluster(1, {{"mtls-topic", 1}});
  auto options = kwire::test::TlsRelayOptions::serving(pki.server);
  options.client_ca_file = pki.ca_file;
  kwire::test::TlsRelay relay(cluster.bootstrap(), options);
  Properties p = base(relay.bootstrap());
  p["security.protocol"] = "SSL";
  p["ssl.truststore.type"] = "PEM";
  p["ssl.truststore.location"] = pki.ca_file;
  p["ssl.certificate.location"] = pki.encrypted_client.cert_file;
  p["ssl.key.location"] = pki.encrypted_client.key_file;
  p["ssl.key.password"] = pki.encrypted_key_password;
  produce_and_read_back(p, cluster, "mtls-topic");
  CHECK(relay.handshakes_completed() >= 1);
  CHECK(relay.handshakes_failed() == 0);
}

TEST_CASE("security: SASL_PLAINTEXT with PLAIN and SCRAM-SHA-256 through the SASL front end",
          "[client][security][mock]") {
  const std::string mechanism = GENERATE(std::string("PLAIN"), std::string("SCRAM-SHA-256"));
  kwire::test::MockCluster cluster(1, {{"sasl-topic", 1}});
  kwire::test::SaslServer server(sasl_front(cluster));
  Properties p = base(server.bootstrap());
  p["security.protocol"] = "SASL_PLAINTEXT";
  p["sasl.mechanism"] = mechanism;
  p["sasl.username"] = "alice";
  p["sasl.password"] = "alice-secret";
  INFO(mechanism);
  produce_and_read_back(p, cluster, "sasl-topic");
  CHECK(server.authentications_succeeded() >= 1);
  CHECK(server.authentications_failed() == 0);
  CHECK(server.metadata_rewrites() >= 1);
  CHECK(server.unauthenticated_requests() == 0);
}

TEST_CASE("security: SASL_SSL with SCRAM-SHA-512 from sasl.jaas.config (TLS relay, then SASL)",
          "[client][security][mock]") {
  kwire::test::TestPki pki;
  kwire::test::MockCluster cluster(1, {{"sasl-ssl-topic", 1}});
  kwire::test::SaslServer server(sasl_front(cluster));
  kwire::test::TlsRelay relay(server.bootstrap(), kwire::test::TlsRelayOptions::serving(pki.server));
  Properties p = base(relay.bootstrap());
  p["security.protocol"] = "SASL_SSL";
  p["ssl.ca.location"] = pki.ca_file;
  p["sasl.mechanism"] = "SCRAM-SHA-512";
  p["sasl.jaas.config"] =
      "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"alice\" password=\"alice-secret\";";
  produce_and_read_back(p, cluster, "sasl-ssl-topic");
  CHECK(relay.handshakes_completed() >= 1);
  CHECK(server.authentications_succeeded() >= 1);
  CHECK(server.metadata_rewrites() >= 1);
  CHECK(relay.metadata_rewrites() >= 1);
}

TEST_CASE("security: a wrong password fails the send once with the SASL error", "[client][security][mock]") {
  const std::string mechanism = GENERATE(std::string("PLAIN"), std::string("SCRAM-SHA-256"));
  INFO(mechanism);
  kwire::test::MockCluster cluster(1);
  kwire::test::SaslServer server(sasl_front(cluster));
  Properties p = base(server.bootstrap());
  p["security.protocol"] = "SASL_PLAINTEXT";
  p["sasl.mechanism"] = mechanism;
  p["sasl.username"] = "alice";
  p["sasl.password"] = "not-alice-secret";
  std::error_code ec = failing_send(p);
  CHECK(ec == kwire::net::sasl_errc::authentication_failed);
  CHECK(ec.message().find("authenticat") != std::string::npos);
  CHECK(server.authentications_failed() >= 1);
  CHECK(server.authentications_succeeded() == 0);
}

TEST_CASE("security: an untrusted broker certificate fails the send once with the TLS error",
          "[client][security][mock]") {
  kwire::test::TestPki pki;
  kwire::test::MockCluster cluster(1);
  kwire::test::TlsRelay relay(cluster.bootstrap(), kwire::test::TlsRelayOptions::serving(pki.server));
  Properties p = base(relay.bootstrap());
  p["security.protocol"] = "SSL";
  p["ssl.ca.location"] = pki.other_ca_file;  // not the CA that signed the relay's certificate
  std::error_code ec = failing_send(p);
  CHECK(ec == kwire::net::tls_errc::untrusted_certificate);
  CHECK(relay.handshakes_completed() == 0);

  // The right CA but a certificate for another host name.
  kwire::test::TlsRelay wrong_host(cluster.bootstrap(), kwire::test::TlsRelayOptions::serving(pki.wrong_host));
  Properties q = base(wrong_host.bootstrap());
  q["security.protocol"] = "SSL";
  q["ssl.ca.location"] = pki.ca_file;
  CHECK(failing_send(q) == kwire::net::tls_errc::hostname_mismatch);
}

TEST_CASE("security: bad security settings are construction errors naming the problem", "[client][security]") {
  kwire::test::TestPki pki;
  struct Case {
    Properties extra;
    const char* expected;  // a fragment the message must contain
  };
  const std::string missing = pki.dir + "/no-such-ca.pem";
  const Case cases[] = {
      {{{"security.protocol", "SASL_SSL"}, {"sasl.username", "u"}, {"sasl.password", "p"}}, "sasl.mechanism"},
      {{{"security.protocol", "SASL_PLAINTEXT"}, {"sasl.mechanism", "PLAIN"}}, "username"},
      {{{"security.protocol", "SASL_PLAINTEXT"}, {"sasl.mechanism", "PLAIN"}, {"sasl.username", "u"}}, "password"},
      {{{"sasl.username", "u"}, {"sasl.password", "p"}}, "security.protocol is PLAINTEXT"},
      {{{"security.protocol", "SSL"}, {"sasl.jaas.config", "x required username=\"u\" password=\"p\";"}},
       "security.protocol is SSL"},
      {{{"security.protocol", "SASL_PLAINTEXT"}, {"sasl.mechanism", "PLAIN"}, {"sasl.username", "u"},
        {"sasl.password", "p"}, {"ssl.ca.location", pki.ca_file}},
       "use SSL or SASL_SSL"},
      {{{"security.protocol", "SSL"}, {"ssl.certificate.location", pki.client.cert_file}}, "ssl.key.location"},
      {{{"security.protocol", "SSL"}, {"ssl.ca.location", pki.ca_file}, {"ssl.ca.pem", "x"}}, "not both"},
      {{{"security.protocol", "SSL"}, {"ssl.key.password", "x"}}, "no client key"},
      {{{"security.protocol", "SSL"}, {"ssl.keystore.location", pki.client.cert_file},
        {"ssl.certificate.location", pki.client.cert_file}, {"ssl.key.location", pki.client.key_file}},
       "more than one client certificate"},
      {{{"security.protocol", "SSL"}, {"ssl.ca.location", missing}}, "no-such-ca.pem"},
      {{{"security.protocol", "SSL"}, {"ssl.ca.pem", "not a certificate"}}, "ssl.ca.pem"},
      {{{"security.protocol", "SSL"}, {"ssl.certificate.location", pki.client.cert_file},
        {"ssl.key.location", pki.server.key_file}},
       "does not match"},
      {{{"security.protocol", "SSL"}, {"enable.ssl.certificate.verification", "maybe"}},
       "enable.ssl.certificate.verification"},
      {{{"security.protocol", "SASL_PLAINTEXT"}, {"sasl.mechanism", "OAUTHBEARER"}}, "OAUTHBEARER"},
  };
  for (const Case& c : cases) {
    Properties p = base("127.0.0.1:9");  // never contacted: construction must fail first
    for (const auto& [k, v] : c.extra) p[k] = v;
    std::string what;
    try {
      kwire::Producer producer(p);
    } catch (const kwire::ConfigError& e) {
      what = e.what();
    }
    INFO("expected an error containing '" << c.expected << "', got '" << what << "'");
    CHECK(what.find(c.expected) != std::string::npos);
  }
}

TEST_CASE("security: Java's PEM text properties work like files", "[client][security][mock]") {
  kwire::test::TestPki pki;
  kwire::test::MockCluster cluster(1, {{"pem-topic", 1}});
  auto options = kwire::test::TlsRelayOptions::serving(pki.server);
  options.client_ca_file = pki.ca_file;
  kwire::test::TlsRelay relay(cluster.bootstrap(), options);
  auto slurp = [](const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    REQUIRE(f);
    std::string text;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    std::fclose(f);
    return text;
  };
  Properties p = base(relay.bootstrap());
  p["security.protocol"] = "SSL";
  p["ssl.truststore.certificates"] = slurp(pki.ca_file);
  p["ssl.keystore.certificate.chain"] = slurp(pki.client.cert_file);
  p["ssl.keystore.key"] = slurp(pki.client.key_file);
  produce_and_read_back(p, cluster, "pem-topic");
  CHECK(relay.handshakes_completed() >= 1);
  CHECK(relay.handshakes_failed() == 0);
}
