// SASL OAUTHBEARER (RFC 7628, KIP-255, KIP-342): the unsecured JWS, the
// client's messages byte for byte, the token cache's expiry handling with an
// injected clock, and BrokerConnection against the SASL test server: accepted
// tokens (the server sees the provider's token and extensions), refused ones
// (expired, missing scope: the error names the server's status and the client
// answered the challenge with 0x01), and a provider's own error.
#include <catch2/catch.hpp>

#include "kwire/net/broker_connection.hpp"
#include "kwire/net/sasl/oauthbearer.hpp"
#include "kwire/net/sasl/sasl_authenticator.hpp"
#include "net_test_util.hpp"
#include "sasl_server.hpp"

using namespace kwire::net;
using kwire::test::run_coroutine;
using kwire::test::SaslServer;
using kwire::test::SaslServerOptions;
using std::chrono::system_clock;

namespace oauthbearer_test {

struct Outcome {
  std::error_code error;
  std::vector<std::string> log_lines;
  std::shared_ptr<BrokerConnection> connection;
};

Outcome authenticate(asio::io_context& io, std::shared_ptr<OAuthBearerTokenSource> source, std::uint16_t port) {
  auto lines = std::make_shared<std::vector<std::string>>();
  LogHook log;
  log.level = LogLevel::debug;
  log.callback = [lines](LogLevel, std::string_view line) { lines->emplace_back(line); };
  auto config = kwire::test::test_config();
  config->security.protocol = SecurityProtocol::sasl_plaintext;
  SaslCredentials credentials;
  credentials.mechanism = SaslMechanism::oauthbearer;
  credentials.oauthbearer = std::move(source);
  config->security.authenticate = make_sasl_authenticator(std::move(credentials), log);
  config->log = log;
  auto conn = BrokerConnection::create(io.get_executor(), config, nullptr, 1, "127.0.0.1", port);
  auto ec = run_coroutine(io, conn->open());
  return {ec, *lines, conn};
}

UnsecuredJwsOptions alice_options() {
  UnsecuredJwsOptions o;
  o.principal = "alice";
  return o;
}

// A token whose own exp claim is past while its declared expiry is not: the
// client sends it, the server's clock refuses it.
OAuthBearerToken expired_jws() {
  OAuthBearerToken t = make_unsecured_jws(alice_options(), system_clock::now() - std::chrono::hours(2));
  t.expiry = system_clock::now() + std::chrono::hours(1);
  return t;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The test cases stay in the namespace: unity builds put files together.

TEST_CASE("OAUTHBEARER: the unsecured JWS is alg none, sub/iat/exp claims, empty signature", "[net][sasl][oauth]") {
  auto options = alice_options();
  options.scope = {"read", "write"};
  options.life = std::chrono::seconds(600);
  const auto now = system_clock::time_point(std::chrono::seconds(1'700'000'000));
  OAuthBearerToken t = make_unsecured_jws(options, now);
  REQUIRE(t.value.back() == '.');
  const auto dot = t.value.find('.');
  REQUIRE(dot != std::string::npos);
  CHECK(t.value.find_first_of("=+/") == std::string::npos);
  CHECK(base64url_decode(t.value.substr(0, dot)) == std::optional<std::string>(R"({"alg":"none"})"));
  CHECK(base64url_decode(t.value.substr(dot + 1, t.value.size() - dot - 2)) ==
        std::optional<std::string>(R"({"sub":"alice","iat":1700000000,"exp":1700000600,"scope":["read","write"]})"));
  CHECK(t.expiry == now + std::chrono::seconds(600));
  CHECK(t.principal == "alice");
  // base64url round trips every length (padding dropped and restored).
  for (std::string s : {"", "a", "ab", "abc", "abcd", "\xff\xfe\xfd"}) CHECK(base64url_decode(base64url_encode(s)) == s);
  CHECK_FALSE(base64url_decode("a+b/"));
}

TEST_CASE("OAUTHBEARER: sasl.oauthbearer.config is parsed as librdkafka's, and refused with reasons",
          "[net][sasl][oauth]") {
  UnsecuredJwsOptions o;
  std::string why;
  REQUIRE(parse_unsecured_jws_config("principal=bob scope=a,b lifeSeconds=60 principalClaimName=user "
                                     "extension_traceId=xyz",
                                     o, why));
  CHECK(o.principal == "bob");
  CHECK(o.principal_claim == "user");
  CHECK(o.scope == std::vector<std::string>{"a", "b"});
  CHECK(o.life == std::chrono::seconds(60));
  CHECK(o.extensions == std::map<std::string, std::string>{{"traceId", "xyz"}});
  struct Bad {
    const char* text;
    const char* fragment;
  };
  for (const Bad& b : {Bad{"scope=a", "principal=NAME is required"}, Bad{"principal=a lifeSeconds=0", "lifeSeconds"},
                       Bad{"principal=a lifeSeconds=ten", "lifeSeconds"}, Bad{"principal=a colour=red", "colour"},
                       Bad{"principal=a extension_auth=x", "auth"}, Bad{"principal=a extension_t1=x", "letters"},
                       Bad{"principal", "name=value"}}) {
    INFO(b.text);
    why.clear();
    CHECK_FALSE(parse_unsecured_jws_config(b.text, o, why));
    CHECK(contains(why, b.fragment));
  }
}

TEST_CASE("OAUTHBEARER: the client's initial response and its answer to an error challenge", "[net][sasl][oauth]") {
  OAuthBearerToken t;
  t.value = "header.claims.";
  t.extensions = {{"traceId", "123"}, {"zone", "eu west"}};
  OAuthBearerClient client(t);
  CHECK(client.mechanism() == "OAUTHBEARER");
  auto first = client.initial_response();
  CHECK(std::string(first.begin(), first.end()) ==
        std::string("n,,\x01" "auth=Bearer header.claims.\x01traceId=123\x01zone=eu west\x01\x01"));
  const std::string challenge = R"({"status":"invalid_token","openid-configuration":"x"})";
  SaslStep step = client.on_server_message(kwire::protocol::as_bytes(challenge));
  CHECK(step.error == sasl_errc::oauthbearer_invalid_token);
  CHECK(contains(step.error.message(), "invalid_token"));
  CHECK(step.reply == std::vector<std::uint8_t>{0x01});
  CHECK(client.server_status() == "invalid_token");

  OAuthBearerClient plain(OAuthBearerToken{"t.c.", {}, "p", {}});
  auto bare = plain.initial_response();
  CHECK(std::string(bare.begin(), bare.end()) == std::string("n,,\x01" "auth=Bearer t.c.\x01\x01"));
  SaslStep ok = plain.on_server_message({});
  CHECK_FALSE(ok.error);
  CHECK(ok.done);
  CHECK(plain.on_server_message({}).error == sasl_errc::unexpected_message);

  CHECK(oauthbearer_error_status(R"({ "status" : "insufficient_scope", "scope":"s"})") == "insufficient_scope");
  CHECK(oauthbearer_error_status("not json").empty());
  OAuthBearerClient other(OAuthBearerToken{"t.c.", {}, "p", {}});
  other.initial_response();
  CHECK(other.on_server_message(kwire::protocol::as_bytes(std::string(R"({"status":"teapot"})"))).error ==
        sasl_errc::oauthbearer_refused);
}

TEST_CASE("OAUTHBEARER: the token is reused until its expiry, then the provider is asked again",
          "[net][sasl][oauth]") {
  auto now = std::make_shared<system_clock::time_point>(system_clock::time_point(std::chrono::seconds(1'000'000)));
  int calls = 0;
  auto provider = [&] {
    ++calls;
    OAuthBearerToken t;
    t.value = "token-" + std::to_string(calls);
    t.expiry = *now + std::chrono::seconds(60);
    return OAuthBearerTokenResult{t, {}};
  };
  OAuthBearerTokenSource source(provider, [now] { return *now; });
  CHECK(source.token().token.value == "token-1");
  *now += std::chrono::seconds(59);
  CHECK(source.token().token.value == "token-1");
  CHECK(calls == 1);
  *now += std::chrono::seconds(1);  // exactly the expiry: no longer usable
  CHECK(source.token().token.value == "token-2");
  CHECK(source.provider_calls() == 2);

  // Already expired, empty, bad extension, the provider's own error.
  OAuthBearerTokenSource expired([&] { return OAuthBearerTokenResult{{"t", *now, "p", {}}, {}}; }, [now] { return *now; });
  CHECK(expired.token().error == sasl_errc::oauthbearer_token_expired);
  OAuthBearerTokenSource empty([&] { return OAuthBearerTokenResult{{"", *now + std::chrono::hours(1), "p", {}}, {}}; },
                               [now] { return *now; });
  CHECK(empty.token().error == sasl_errc::oauthbearer_empty_token);
  OAuthBearerTokenSource bad_ext(
      [&] { return OAuthBearerTokenResult{{"t", *now + std::chrono::hours(1), "p", {{"auth", "x"}}}, {}}; },
      [now] { return *now; });
  CHECK(bad_ext.token().error == sasl_errc::oauthbearer_bad_extension);
  const auto denied = std::make_error_code(std::errc::permission_denied);
  CHECK_FALSE(is_token_provider_error(denied));
  OAuthBearerTokenSource failing([&] { return OAuthBearerTokenResult{{}, denied}; }, [now] { return *now; });
  CHECK(failing.token().error == denied);
  CHECK(failing.token().error == denied);  // not cached: asked each time
  CHECK(failing.provider_calls() == 2);
  CHECK(is_token_provider_error(denied));
  OAuthBearerTokenSource throwing([]() -> OAuthBearerTokenResult { throw std::runtime_error("idp"); });
  CHECK(throwing.token().error == sasl_errc::oauthbearer_provider_threw);
}

TEST_CASE("OAUTHBEARER: BrokerConnection authenticates; the server sees the provider's token and extensions",
          "[net][sasl][oauth]") {
  SaslServer server(SaslServerOptions{});
  auto options = alice_options();
  options.extensions = {{"traceId", "abc"}};
  // The client's clock, moved by the test; the tokens' own exp stay real.
  auto now = std::make_shared<system_clock::time_point>(system_clock::now());
  std::vector<std::string> handed_out;
  auto source = std::make_shared<OAuthBearerTokenSource>(
      [&] {
        OAuthBearerToken t = make_unsecured_jws(options, system_clock::now());
        t.expiry = *now + std::chrono::seconds(30);
        handed_out.push_back(t.value);
        return OAuthBearerTokenResult{t, {}};
      },
      [now] { return *now; });
  asio::io_context io;
  auto first = authenticate(io, source, server.port());
  INFO(first.error.message());
  REQUIRE_FALSE(first.error);
  CHECK(first.connection->ready());
  CHECK(server.oauth_last_principal() == "alice");
  CHECK(server.oauth_last_extensions() == options.extensions);
  bool named = false;
  for (const auto& line : first.log_lines) named = named || contains(line, "OAUTHBEARER as 'alice'");
  CHECK(named);
  for (const auto& line : first.log_lines) CHECK_FALSE(contains(line, handed_out.at(0)));

  // A second connection within the lifetime reuses the token; after it, the
  // provider is asked again and the server sees the new token.
  auto second = authenticate(io, source, server.port());
  REQUIRE_FALSE(second.error);
  CHECK(source->provider_calls() == 1);
  *now += std::chrono::seconds(31);
  options.principal = "alice-renewed";
  auto third = authenticate(io, source, server.port());
  REQUIRE_FALSE(third.error);
  CHECK(source->provider_calls() == 2);
  REQUIRE(handed_out.size() == 2);
  CHECK(server.oauth_tokens() == std::vector<std::string>{handed_out[0], handed_out[0], handed_out[1]});
  CHECK(server.oauth_last_principal() == "alice-renewed");
  CHECK(server.authentications_succeeded() == 3);
  for (auto* o : {&first, &second, &third}) o->connection->close();
  kwire::test::drain(io);
}

TEST_CASE("OAUTHBEARER: a refused token fails with the server's status after the client's 0x01",
          "[net][sasl][oauth]") {
  SaslServerOptions options;
  options.oauth_required_scope = "produce";
  SaslServer server(options);
  struct Case {
    const char* name;
    OAuthBearerToken token;
    sasl_errc expected;
    const char* status;
  };
  auto no_scope = make_unsecured_jws(alice_options(), system_clock::now());
  auto scoped_options = alice_options();
  scoped_options.scope = {"consume", "produce"};
  auto not_none = expired_jws();  // a valid lifetime, but signed (alg HS256) by someone
  not_none.value = base64url_encode(R"({"alg":"HS256"})") + "." +
                   base64url_encode(R"({"sub":"alice","exp":99999999999})") + ".";
  const Case cases[] = {
      {"expired", expired_jws(), sasl_errc::oauthbearer_invalid_token, "invalid_token"},
      {"alg HS256", not_none, sasl_errc::oauthbearer_invalid_token, "invalid_token"},
      {"no scope", no_scope, sasl_errc::oauthbearer_insufficient_scope, "insufficient_scope"},
  };
  int failed = 0;
  for (const Case& c : cases) {
    INFO(c.name);
    asio::io_context io;
    auto source = std::make_shared<OAuthBearerTokenSource>([&] { return OAuthBearerTokenResult{c.token, {}}; });
    auto o = authenticate(io, source, server.port());
    CHECK(o.error == c.expected);
    CHECK(contains(o.error.message(), c.status));
    CHECK(o.connection->closed());
    CHECK(server.authentications_failed() == ++failed);
    CHECK(server.oauth_error_acknowledgements() == failed);  // the 0x01 of RFC 7628 3.2.3 came first
    bool logged = false;  // the broker's own challenge is in the log
    for (const auto& line : o.log_lines) logged = logged || contains(line, std::string("{\"status\":\"") + c.status);
    CHECK(logged);
    kwire::test::drain(io);
  }
  // The scope the server wants: accepted.
  asio::io_context io;
  auto scoped = make_unsecured_jws(scoped_options, system_clock::now());
  auto o = authenticate(io, std::make_shared<OAuthBearerTokenSource>([&] { return OAuthBearerTokenResult{scoped, {}}; }),
                        server.port());
  CHECK_FALSE(o.error);
  CHECK(server.authentications_succeeded() == 1);
  o.connection->close();
  kwire::test::drain(io);
}

TEST_CASE("OAUTHBEARER: a provider's error is the connection's error; nothing reaches the server",
          "[net][sasl][oauth]") {
  SaslServer server(SaslServerOptions{});
  const auto unavailable = std::make_error_code(std::errc::host_unreachable);
  asio::io_context io;
  auto source = std::make_shared<OAuthBearerTokenSource>([&] { return OAuthBearerTokenResult{{}, unavailable}; });
  auto o = authenticate(io, source, server.port());
  CHECK(o.error == unavailable);
  CHECK(o.connection->closed());
  CHECK(server.oauth_tokens().empty());
  CHECK(server.authentications_succeeded() == 0);
  kwire::test::drain(io);
}

}  // namespace oauthbearer_test
