// SCRAM and PLAIN client mechanics against published test vectors: RFC 5802
// section 5 (SCRAM-SHA-1) and RFC 7677 section 3 (SCRAM-SHA-256); the
// SCRAM-SHA-512 expectations were computed with Python's hashlib/hmac, an
// implementation independent of ours. Also the refusals a hostile or broken
// server must meet, and that no secret leaks into an error message.
#include <catch2/catch.hpp>

#include <sstream>
#include <string>

#include "kwire/net/sasl/plain_client.hpp"
#include "kwire/net/sasl/scram_client.hpp"
#include "kwire/net/sasl/scram_crypto.hpp"

using namespace kwire::net;
using kwire::protocol::as_bytes;

namespace {

std::string text(const std::vector<std::uint8_t>& v) { return {v.begin(), v.end()}; }

// RFC 7677 section 3.
constexpr const char* kNonce256 = "rOprNGfwEbeRWgbNEkqO";
constexpr const char* kServerFirst256 = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";

}  // namespace

TEST_CASE("SCRAM-SHA-1 client reproduces RFC 5802's example exchange", "[sasl][scram]") {
  ScramClient client(ScramHash::sha1, "user", Secret("pencil"), "fyko+d2lbbFgONRv9qkxdawL");
  CHECK(text(client.initial_response()) == "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
  auto step = client.on_server_message(as_bytes("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"));
  REQUIRE_FALSE(step.error);
  CHECK_FALSE(step.done);
  CHECK(text(step.reply) == "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=");
  auto last = client.on_server_message(as_bytes("v=rmF9pqV8S7suAoZWja4dJRkFsKQ="));
  CHECK_FALSE(last.error);
  CHECK(last.done);
}

TEST_CASE("SCRAM-SHA-256 client reproduces RFC 7677's example exchange", "[sasl][scram]") {
  ScramClient client(ScramHash::sha256, "user", Secret("pencil"), kNonce256);
  CHECK(client.mechanism() == "SCRAM-SHA-256");
  CHECK(text(client.initial_response()) == "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  auto step = client.on_server_message(as_bytes(kServerFirst256));
  REQUIRE_FALSE(step.error);
  CHECK(text(step.reply) ==
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  auto last = client.on_server_message(as_bytes("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="));
  CHECK_FALSE(last.error);
  CHECK(last.done);
  // Nothing may follow a finished exchange.
  CHECK(client.on_server_message(as_bytes("v=x")).error == sasl_errc::unexpected_message);
}

TEST_CASE("SCRAM-SHA-512 client matches an independent computation", "[sasl][scram]") {
  ScramClient client(ScramHash::sha512, "user", Secret("pencil"), kNonce256);
  CHECK(client.mechanism() == "SCRAM-SHA-512");
  client.initial_response();
  auto step = client.on_server_message(as_bytes(kServerFirst256));
  REQUIRE_FALSE(step.error);
  CHECK(text(step.reply) ==
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=gMGXRcevScNtxZ6/8lQYpGtnsNAc3mGcmNomv+xnoOMw+"
        "3R2xNJdMNnzMlTN8PPC6wdp6dybEmDYXYTxwnYPJQ==");
  auto last = client.on_server_message(as_bytes(
      "v=ZQnYEgWQMFmmsM8aQMF0nDDCy/AgCzkwk8CmMZYcMg0vSVlKDanekLtifDSeVGT4+5ZxXnJq199RVG2rR7N7Zw=="));
  CHECK_FALSE(last.error);
  CHECK(last.done);
}

TEST_CASE("SCRAM client refuses a server that does not know the password", "[sasl][scram]") {
  ScramClient client(ScramHash::sha256, "user", Secret("pencil"), kNonce256);
  client.initial_response();
  REQUIRE_FALSE(client.on_server_message(as_bytes(kServerFirst256)).error);
  // RFC 7677's signature with one bit changed.
  auto last = client.on_server_message(as_bytes("v=6rriTRBi23WpRR/xtup+mMhUZUn/dB5nLTJRsjl95G4="));
  CHECK(last.error == sasl_errc::server_signature_mismatch);
  CHECK_FALSE(last.done);
}

TEST_CASE("SCRAM client rejects malformed or hostile server-first messages", "[sasl][scram]") {
  auto first = [](std::string_view server_first) {
    ScramClient client(ScramHash::sha256, "user", Secret("pencil"), kNonce256);
    client.initial_response();
    return client.on_server_message(as_bytes(server_first)).error;
  };
  // The server nonce must extend ours.
  CHECK(first("r=somebodyElsesNonce123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096") == sasl_errc::server_nonce_mismatch);
  CHECK(first("r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096") == sasl_errc::server_nonce_mismatch);
  // Too few rounds weakens the stored key; too many is a CPU attack.
  CHECK(first("r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4095") == sasl_errc::iteration_count_out_of_range);
  CHECK(first("r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=2000000000") ==
        sasl_errc::iteration_count_out_of_range);
  CHECK(first("r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999999999") ==
        sasl_errc::iteration_count_out_of_range);
  CHECK(first("r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=12ab") == sasl_errc::malformed_server_message);
  CHECK(first("r=rOprNGfwEbeRWgbNEkqOxyz,s=not*base64,i=4096") == sasl_errc::malformed_server_message);
  CHECK(first("m=mandatory-ext,r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096") ==
        sasl_errc::malformed_server_message);
  CHECK(first("") == sasl_errc::malformed_server_message);
  CHECK(first(std::string(1000, ',')) == sasl_errc::malformed_server_message);
}

TEST_CASE("SCRAM client reports a server-final error attribute", "[sasl][scram]") {
  ScramClient client(ScramHash::sha256, "user", Secret("pencil"), kNonce256);
  client.initial_response();
  REQUIRE_FALSE(client.on_server_message(as_bytes(kServerFirst256)).error);
  CHECK(client.on_server_message(as_bytes("e=invalid-proof")).error == sasl_errc::server_error);
}

TEST_CASE("SCRAM user names escape '=' and ','", "[sasl][scram]") {
  CHECK(scram_escape_username("a=b,c") == "a=3Db=2Cc");
  ScramClient client(ScramHash::sha256, "us=er,x", Secret("pw"), "nonce");
  CHECK(text(client.initial_response()) == "n,,n=us=3Der=2Cx,r=nonce");
}

TEST_CASE("SCRAM nonces are random and printable", "[sasl][scram]") {
  std::string a = scram_nonce(), b = scram_nonce();
  CHECK(a.size() == 32);  // base64 of 24 bytes
  CHECK(a != b);
  CHECK(a.find(',') == std::string::npos);
}

TEST_CASE("base64 round-trips and rejects bad input", "[sasl][scram]") {
  // RFC 4648 section 10 vectors.
  CHECK(base64_encode(as_bytes("")) == "");
  CHECK(base64_encode(as_bytes("f")) == "Zg==");
  CHECK(base64_encode(as_bytes("fo")) == "Zm8=");
  CHECK(base64_encode(as_bytes("foo")) == "Zm9v");
  CHECK(base64_encode(as_bytes("foobar")) == "Zm9vYmFy");
  auto decoded = base64_decode("Zm9vYg==");
  REQUIRE(decoded);
  CHECK(text(*decoded) == "foob");
  CHECK_FALSE(base64_decode("Zm9"));
  CHECK_FALSE(base64_decode("Zm=v"));
  CHECK_FALSE(base64_decode("Zm9v YmFy"));
  CHECK_FALSE(base64_decode("===="));
  CHECK_FALSE(base64_decode("Zh=="));  // non-zero bits under the padding: not canonical
  CHECK_FALSE(base64_decode("Zm9="));
}

TEST_CASE("PLAIN sends authzid, user and password separated by NUL", "[sasl][plain]") {
  PlainClient client("alice", Secret("s3cret"));
  CHECK(client.mechanism() == "PLAIN");
  auto first = client.initial_response();
  CHECK(first == std::vector<std::uint8_t>{0, 'a', 'l', 'i', 'c', 'e', 0, 's', '3', 'c', 'r', 'e', 't'});
  auto step = client.on_server_message({});
  CHECK(step.done);
  CHECK_FALSE(step.error);
  CHECK(client.on_server_message({}).error == sasl_errc::unexpected_message);
}

TEST_CASE("the SASL client factory follows sasl.mechanism", "[sasl]") {
  CHECK(parse_sasl_mechanism("SCRAM-SHA-512") == SaslMechanism::scram_sha_512);
  CHECK(parse_sasl_mechanism("PLAIN") == SaslMechanism::plain);
  CHECK_FALSE(parse_sasl_mechanism("GSSAPI"));
  std::error_code ec;
  auto client = make_sasl_client({SaslMechanism::scram_sha_256, "u", Secret("p")}, ec);
  REQUIRE(client);
  CHECK(client->mechanism() == "SCRAM-SHA-256");
  CHECK_FALSE(make_sasl_client({SaslMechanism::plain, "", Secret("p")}, ec));
  CHECK(ec == sasl_errc::missing_credentials);
}

TEST_CASE("secrets never print and SASL messages never carry them", "[sasl][secret]") {
  const std::string password = "Tr0ub4dor&3-unique";
  Secret secret(password);
  std::ostringstream os;
  os << secret;
  CHECK(os.str().find(password) == std::string::npos);
  CHECK(secret.reveal() == password);
  Secret moved(std::move(secret));
  CHECK(moved.reveal() == password);
  CHECK(secret.empty());  // NOLINT(bugprone-use-after-move): a moved-from secret is wiped
  for (int e = 1; e <= static_cast<int>(sasl_errc::missing_credentials); ++e)
    CHECK(make_error_code(static_cast<sasl_errc>(e)).message().find(password) == std::string::npos);
}
