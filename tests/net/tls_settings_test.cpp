// security.protocol parsing and the TLS context factory's refusals of bad
// settings, each with an error naming what to fix.
#include <catch2/catch.hpp>

#include "kwire/net/tls/security_protocol.hpp"
#include "kwire/net/tls/tls_context.hpp"
#include "test_certs.hpp"

using namespace kwire::net;

TEST_CASE("security.protocol parses the four Kafka values in any case", "[tls]") {
  CHECK(parse_security_protocol("PLAINTEXT") == SecurityProtocol::plaintext);
  CHECK(parse_security_protocol("ssl") == SecurityProtocol::ssl);
  CHECK(parse_security_protocol("Sasl_Plaintext") == SecurityProtocol::sasl_plaintext);
  CHECK(parse_security_protocol("SASL_SSL") == SecurityProtocol::sasl_ssl);
  CHECK_FALSE(parse_security_protocol("TLS"));
  CHECK_FALSE(parse_security_protocol("SASL_SSLX"));
  CHECK_FALSE(parse_security_protocol(""));
  CHECK(to_string(SecurityProtocol::sasl_ssl) == "SASL_SSL");
  CHECK(uses_tls(SecurityProtocol::sasl_ssl));
  CHECK_FALSE(uses_tls(SecurityProtocol::sasl_plaintext));
  CHECK(uses_sasl(SecurityProtocol::sasl_plaintext));
  CHECK_FALSE(uses_sasl(SecurityProtocol::ssl));
}

TEST_CASE("TLS context from a CA file, a CA directory, or with a client identity", "[tls]") {
  kwire::test::TestPki pki;
  TlsSettings s;
  s.ca_location = pki.ca_file;
  auto r = make_tls_context(s);
  CHECK_FALSE(r.error);
  REQUIRE(r.context);
  // TLS 1.2 is the floor.
  CHECK(SSL_CTX_get_min_proto_version(r.context->native_handle()) == TLS1_2_VERSION);
  CHECK((SSL_CTX_get_verify_mode(r.context->native_handle()) & SSL_VERIFY_PEER) != 0);

  s.ca_location = pki.ca_dir;
  CHECK_FALSE(make_tls_context(s).error);

  s.certificate_location = pki.client.cert_file;
  s.key_location = pki.client.key_file;
  CHECK_FALSE(make_tls_context(s).error);
}

TEST_CASE("TLS context refuses unreadable or inconsistent files with a clear error", "[tls]") {
  kwire::test::TestPki pki;
  TlsSettings s;
  s.ca_location = pki.dir + "/no-such-ca.pem";
  auto r = make_tls_context(s);
  CHECK(r.error == tls_errc::ca_location_unreadable);
  CHECK_FALSE(r.context);
  CHECK(r.detail.find("no-such-ca.pem") != std::string::npos);

  s.ca_location = pki.server.key_file;  // a key is not a CA certificate
  CHECK(make_tls_context(s).error == tls_errc::ca_location_unreadable);

  s.ca_location = pki.ca_file;
  s.certificate_location = pki.client.cert_file;
  CHECK(make_tls_context(s).error == tls_errc::invalid_settings);

  s.key_location = pki.server.key_file;  // another certificate's key
  r = make_tls_context(s);
  CHECK(r.error == tls_errc::private_key_mismatch);
  CHECK(r.error.message().find("does not match") != std::string::npos);

  s.certificate_location = pki.dir + "/missing.pem";
  CHECK(make_tls_context(s).error == tls_errc::certificate_unreadable);
}

TEST_CASE("an encrypted client key needs its pass phrase, which never appears in errors", "[tls]") {
  kwire::test::TestPki pki;
  TlsSettings s;
  s.ca_location = pki.ca_file;
  s.certificate_location = pki.encrypted_client.cert_file;
  s.key_location = pki.encrypted_client.key_file;
  s.key_password = Secret(pki.encrypted_key_password);
  CHECK_FALSE(make_tls_context(s).error);

  const std::string wrong = "wrong-pass-phrase-7731";
  s.key_password = Secret(wrong);
  auto r = make_tls_context(s);
  CHECK(r.error == tls_errc::private_key_unreadable);
  CHECK(r.detail.find(wrong) == std::string::npos);
  CHECK(r.detail.find(pki.encrypted_key_password) == std::string::npos);
}
