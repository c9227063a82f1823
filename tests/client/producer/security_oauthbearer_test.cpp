// SASL OAUTHBEARER end to end through the SASL front end (tests/support/
// sasl_server) in front of librdkafka's mock. First librdkafka itself, as the
// independent client, authenticates with its unsecured JWS and produces, so
// the server side is shown right; then kwire's Producer with the same
// settings; a token provider's tokens are the ones the server sees (also for
// the Consumer); a token the server refuses (expired, missing scope) fails
// each send once with the SASL error naming the server's status; a provider's
// own error fails it with that error; bad settings are refused by name.
#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "../consumer/rdkafka_producer.hpp"
#include "delivery_recorder.hpp"
#include "kwire/consumer.hpp"
#include "kwire/net/sasl/sasl_error.hpp"
#include "kwire/oauthbearer.hpp"
#include "failing_send.hpp"
#include "kwire/producer.hpp"
#include "log_reader.hpp"
#include "mock_cluster.hpp"
#include "sasl_server.hpp"

using namespace std::chrono_literals;
using kwire::Properties;

namespace oauth_producer_test {

constexpr int kRecords = 30;

Properties oauth_props(const std::string& bootstrap) {
  return {{"bootstrap.servers", bootstrap},
          {"linger.ms", "5"},
          {"max.block.ms", "8000"},
          {"request.timeout.ms", "5000"},
          {"delivery.timeout.ms", "15000"},
          {"security.protocol", "SASL_PLAINTEXT"},
          {"sasl.mechanism", "OAUTHBEARER"},
          {"enable.sasl.oauthbearer.unsecure.jwt", "true"},
          {"sasl.oauthbearer.config", "principal=alice"}};
}

kwire::test::SaslServerOptions front_of(const kwire::test::MockCluster& cluster) {
  kwire::test::SaslServerOptions o;
  o.mechanisms = {"OAUTHBEARER"};
  o.upstream_host = cluster.first_host();
  o.upstream_port = cluster.first_port();
  return o;
}

std::string claims_of(const std::string& token) {
  const auto dot = token.find('.');
  if (dot == std::string::npos || token.back() != '.') return {};
  return kwire::net::base64url_decode(token.substr(dot + 1, token.size() - dot - 2)).value_or("");
}

// kRecords to partition 0, every report once and clean, read back in order.
void produce_and_read_back(kwire::ProducerConfig config, const kwire::test::MockCluster& cluster,
                           const std::string& topic) {
  kwire::test::DeliveryRecorder reports;
  std::vector<std::string> values;
  for (int i = 0; i < kRecords; ++i) values.push_back(topic + "-" + std::to_string(i));
  {
    kwire::Producer producer(std::move(config));
    for (int i = 0; i < kRecords; ++i) {
      kwire::Record r;
      r.topic = topic;
      r.partition = 0;
      r.value = kwire::as_bytes(values[static_cast<std::size_t>(i)]);
      r.user_id = static_cast<std::uint64_t>(i);
      REQUIRE_FALSE(producer.send(r, reports.handler()));
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
    CHECK(it->second.fired == 1);
    CHECK_FALSE(it->second.error);
    CHECK(read.records[static_cast<std::size_t>(i)].offset == it->second.metadata.offset);
    CHECK(read.records[static_cast<std::size_t>(i)].value == values[static_cast<std::size_t>(i)]);
  }
}

using kwire::test::failing_send;

// A provider handing out unsecured JWS for `principal`, remembering each.
struct RecordingProvider {
  std::mutex mu;
  std::vector<std::string> tokens;
  kwire::OAuthBearerTokenProvider make(std::string principal) {
    return [this, principal] {
      kwire::net::UnsecuredJwsOptions o;
      o.principal = principal;
      o.extensions = {{"traceId", "kwire"}};
      kwire::OAuthBearerToken t = kwire::net::make_unsecured_jws(o, std::chrono::system_clock::now());
      std::lock_guard lock(mu);
      tokens.push_back(t.value);
      return kwire::OAuthBearerTokenResult{t, {}};
    };
  }
  std::set<std::string> handed_out() {
    std::lock_guard lock(mu);
    return {tokens.begin(), tokens.end()};
  }
};

kwire::ProducerConfig with_provider(const std::string& bootstrap, kwire::OAuthBearerTokenProvider provider) {
  Properties p = oauth_props(bootstrap);
  for (const char* k : {"security.protocol", "sasl.mechanism", "enable.sasl.oauthbearer.unsecure.jwt",
                        "sasl.oauthbearer.config"})
    p.erase(k);
  // The provider is set in code, with the rest of the security settings.
  kwire::ProducerConfig config = kwire::ProducerConfig::from_properties(p);
  config.security.protocol = kwire::SecurityProtocol::sasl_plaintext;
  config.security.sasl_mechanism = "OAUTHBEARER";
  config.security.oauthbearer_token_provider = std::move(provider);
  return config;
}

// The test cases stay in the namespace: unity builds put files together.

TEST_CASE("OAUTHBEARER: librdkafka's unsecured JWS authenticates to the SASL front end and produces through it",
          "[client][security][oauth][mock]") {
  kwire::test::MockCluster cluster(1, {{"oauth-rdk", 1}});
  kwire::test::SaslServer server(front_of(cluster));
  {
    kwire::test::RdkafkaProducer producer(server.bootstrap(), {{"security.protocol", "SASL_PLAINTEXT"},
                                                               {"sasl.mechanisms", "OAUTHBEARER"},
                                                               {"enable.sasl.oauthbearer.unsecure.jwt", "true"},
                                                               {"sasl.oauthbearer.config", "principal=alice"}});
    std::vector<kwire::test::PeerRecord> records;
    for (int i = 0; i < kRecords; ++i) records.push_back({std::nullopt, "rdk-" + std::to_string(i), {}, 0});
    producer.write("oauth-rdk", 0, records);
  }
  CHECK(server.authentications_succeeded() >= 1);
  CHECK(server.authentications_failed() == 0);
  CHECK(server.unauthenticated_requests() == 0);
  CHECK(server.metadata_rewrites() >= 1);
  CHECK(server.oauth_last_principal() == "alice");
  const auto tokens = server.oauth_tokens();
  REQUIRE_FALSE(tokens.empty());
  CHECK(claims_of(tokens.front()).find(R"("sub":"alice")") != std::string::npos);
  auto read = kwire::test::read_partition(cluster.bootstrap(), "oauth-rdk", 0);
  REQUIRE(read.error.empty());
  REQUIRE(read.records.size() == static_cast<std::size_t>(kRecords));
  CHECK(read.records.back().value == "rdk-" + std::to_string(kRecords - 1));
}

TEST_CASE("OAUTHBEARER: kwire's producer with the same settings authenticates and produces",
          "[client][security][oauth][mock]") {
  kwire::test::MockCluster cluster(1, {{"oauth-kwire", 1}});
  kwire::test::SaslServer server(front_of(cluster));
  Properties p = oauth_props(server.bootstrap());
  p["sasl.oauthbearer.config"] = "principal=alice scope=produce lifeSeconds=600 extension_traceId=t1";
  produce_and_read_back(kwire::ProducerConfig::from_properties(p), cluster, "oauth-kwire");
  CHECK(server.authentications_succeeded() >= 1);
  CHECK(server.authentications_failed() == 0);
  CHECK(server.oauth_last_principal() == "alice");
  CHECK(server.oauth_last_extensions() == std::map<std::string, std::string>{{"traceId", "t1"}});
  const auto tokens = server.oauth_tokens();
  REQUIRE_FALSE(tokens.empty());
  // One token for every connection of this producer (it lives 600 s).
  CHECK(std::set<std::string>(tokens.begin(), tokens.end()).size() == 1);
  CHECK(claims_of(tokens.front()).find(R"("scope":["produce"])") != std::string::npos);
}

TEST_CASE("OAUTHBEARER: the token provider's tokens are the ones the server sees (producer and consumer)",
          "[client][security][oauth][mock]") {
  kwire::test::MockCluster cluster(1, {{"oauth-cb", 1}});
  kwire::test::SaslServer server(front_of(cluster));
  RecordingProvider provider;
  produce_and_read_back(with_provider(server.bootstrap(), provider.make("carol")), cluster, "oauth-cb");
  const auto seen = server.oauth_tokens();
  REQUIRE_FALSE(seen.empty());
  const auto produced_with = provider.handed_out();
  CHECK(produced_with.size() == 1);  // one provider call: the token is cached until its expiry
  for (const auto& t : seen) CHECK(produced_with.count(t) == 1);
  CHECK(server.oauth_last_principal() == "carol");

  // The consumer takes the same setting.
  kwire::ConsumerConfig cc = kwire::ConsumerConfig::from_properties(
      {{"bootstrap.servers", server.bootstrap()}, {"auto.offset.reset", "earliest"}});
  cc.security.protocol = kwire::SecurityProtocol::sasl_plaintext;
  cc.security.sasl_mechanism = "OAUTHBEARER";
  cc.security.oauthbearer_token_provider = provider.make("dave");
  kwire::Consumer consumer(std::move(cc));
  consumer.assign({{"oauth-cb", 0}});
  std::size_t got = 0;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (got < kRecords && std::chrono::steady_clock::now() < deadline) {
    const kwire::ConsumerRecords& records = consumer.poll(200ms);
    REQUIRE_FALSE(records.error());
    got += records.size();
  }
  CHECK(got == kRecords);
  consumer.close();
  CHECK(server.oauth_last_principal() == "dave");
  const auto all = provider.handed_out();
  CHECK(all.size() == 2);
  for (const auto& t : server.oauth_tokens()) CHECK(all.count(t) == 1);
  CHECK(server.authentications_failed() == 0);
}

TEST_CASE("OAUTHBEARER: an expired or refused token fails the send once with the server's status",
          "[client][security][oauth][mock]") {
  kwire::test::MockCluster cluster(1);
  auto options = front_of(cluster);
  options.oauth_required_scope = "produce";
  kwire::test::SaslServer server(options);

  // Its exp claim is two hours old, though the provider says it is still
  // good: the broker's clock decides.
  auto expired = [] {
    kwire::net::UnsecuredJwsOptions o;
    o.principal = "alice";
    o.scope = {"produce"};
    kwire::OAuthBearerToken t = kwire::net::make_unsecured_jws(o, std::chrono::system_clock::now() - 2h);
    t.expiry = std::chrono::system_clock::now() + 1h;
    return kwire::OAuthBearerTokenResult{t, {}};
  };
  std::error_code ec = failing_send(with_provider(server.bootstrap(), expired));
  CHECK(ec == kwire::net::sasl_errc::oauthbearer_invalid_token);
  CHECK(ec.message().find("invalid_token") != std::string::npos);
  CHECK(server.authentications_failed() >= 1);
  CHECK(server.oauth_error_acknowledgements() == server.authentications_failed());

  // Unsecured JWS without the scope the broker requires.
  Properties p = oauth_props(server.bootstrap());
  p["max.block.ms"] = "30000";
  const int failed_before = server.authentications_failed();
  ec = failing_send(kwire::ProducerConfig::from_properties(p));
  CHECK(ec == kwire::net::sasl_errc::oauthbearer_insufficient_scope);
  CHECK(ec.message().find("insufficient_scope") != std::string::npos);
  CHECK(server.authentications_failed() > failed_before);
  CHECK(server.oauth_error_acknowledgements() == server.authentications_failed());
  CHECK(server.authentications_succeeded() == 0);
}

TEST_CASE("OAUTHBEARER: a token provider's error fails the send once with that error",
          "[client][security][oauth][mock]") {
  kwire::test::MockCluster cluster(1);
  kwire::test::SaslServer server(front_of(cluster));
  // A code of the application's own: the send fails with exactly it.
  const std::error_code idp_down = std::make_error_code(std::errc::network_unreachable);
  std::error_code ec = failing_send(
      with_provider(server.bootstrap(), [idp_down] { return kwire::OAuthBearerTokenResult{{}, idp_down}; }));
  CHECK(ec == idp_down);
  CHECK(server.oauth_tokens().empty());
  CHECK(server.authentications_succeeded() == 0);

  // A token already expired when the provider hands it out is not sent.
  ec = failing_send(with_provider(server.bootstrap(), [] {
    return kwire::OAuthBearerTokenResult{{"x.y.", std::chrono::system_clock::now() - 1s, "alice", {}}, {}};
  }));
  CHECK(ec == kwire::net::sasl_errc::oauthbearer_token_expired);
  CHECK(server.oauth_tokens().empty());
}

TEST_CASE("OAUTHBEARER: Java's sasl.jaas.config with OAuthBearerLoginModule's unsecured-token options",
          "[client][security][oauth][mock]") {
  kwire::test::MockCluster cluster(1, {{"oauth-jaas", 1}});
  auto options = front_of(cluster);
  options.oauth_required_scope = "write";
  kwire::test::SaslServer server(options);
  Properties p = oauth_props(server.bootstrap());
  p.erase("enable.sasl.oauthbearer.unsecure.jwt");
  p.erase("sasl.oauthbearer.config");
  p["sasl.jaas.config"] =
      "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required "
      "unsecuredLoginStringClaim_sub=\"erin\" unsecuredLoginListClaim_scope=\"|read|write\" "
      "unsecuredLoginLifetimeSeconds=\"900\" unsecuredLoginExtension_traceId=\"j1\";";
  produce_and_read_back(kwire::ProducerConfig::from_properties(p), cluster, "oauth-jaas");
  CHECK(server.oauth_last_principal() == "erin");
  CHECK(server.oauth_last_extensions() == std::map<std::string, std::string>{{"traceId", "j1"}});
  const auto tokens = server.oauth_tokens();
  REQUIRE_FALSE(tokens.empty());
  CHECK(claims_of(tokens.front()).find(R"("scope":["read","write"])") != std::string::npos);

  struct Bad {
    const char* jaas;
    const char* fragment;
  };
  for (const Bad& b : {Bad{"x.OAuthBearerLoginModule required;", "unsecuredLoginStringClaim_sub"},
                       Bad{"x.OAuthBearerLoginModule required clientId=\"c\" unsecuredLoginStringClaim_sub=\"a\";",
                           "'clientId'"},
                       Bad{"x.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub=\"a\" "
                           "unsecuredLoginNumberClaim_n=\"1\";",
                           "unsecuredLoginNumberClaim_n"},
                       Bad{"x.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub=\"a\" "
                           "unsecuredLoginLifetimeSeconds=\"soon\";",
                           "lifeSeconds"}}) {
    INFO(b.jaas);
    Properties q = p;
    q["sasl.jaas.config"] = b.jaas;
    std::string why;
    kwire::ProducerConfig ignored;
    CHECK(kwire::ProducerConfig::parse(q, ignored, why) == kwire::errc::invalid_config_value);
    CHECK(why.find(b.fragment) != std::string::npos);
    CHECK(why.find("sasl.jaas.config") != std::string::npos);
  }
}

TEST_CASE("OAUTHBEARER: unknown and contradictory settings are refused with clear messages",
          "[client][security][oauth]") {
  struct Case {
    Properties extra;
    const char* expected;
  };
  const Case cases[] = {
      {{{"enable.sasl.oauthbearer.unsecure.jwt", "false"}}, "needs a token provider"},
      {{{"enable.sasl.oauthbearer.unsecure.jwt", "false"}, {"sasl.oauthbearer.config", "principal=a"}},
       "needs a token provider"},
      {{{"sasl.oauthbearer.config", "<erase>"}}, "needs sasl.oauthbearer.config=principal=NAME"},
      {{{"sasl.oauthbearer.config", ""}}, "invalid value for sasl.oauthbearer.config: principal=NAME is required"},
      {{{"sasl.oauthbearer.config", "principal=a colour=red"}}, "colour"},
      {{{"sasl.oauthbearer.config", "scope=x"}}, "principal=NAME is required"},
      {{{"sasl.oauthbearer.config", "principal=a lifeSeconds=-1"}}, "lifeSeconds"},
      {{{"enable.sasl.oauthbearer.unsecure.jwt", "maybe"}}, "enable.sasl.oauthbearer.unsecure.jwt"},
      {{{"sasl.username", "u"}, {"sasl.password", "p"}}, "OAUTHBEARER sends a token"},
      {{{"sasl.mechanism", "PLAIN"}, {"sasl.username", "u"}, {"sasl.password", "p"}},
       "enable.sasl.oauthbearer.unsecure.jwt=true is set but sasl.mechanism is PLAIN"},
      {{{"security.protocol", "PLAINTEXT"}}, "security.protocol is PLAINTEXT"},
      {{{"sasl.oauthbearer.method", "oidc"}}, "token provider"},
      {{{"sasl.oauthbearer.token.endpoint.url", "https://idp"}}, "sasl.oauthbearer.token.endpoint.url"},
  };
  for (const Case& c : cases) {
    Properties p = oauth_props("127.0.0.1:9");  // never contacted
    for (const auto& [k, v] : c.extra) {
      if (v == "<erase>") p.erase(k);
      else p[k] = v;
    }
    std::string what;
    try {
      kwire::Producer producer(p);
    } catch (const kwire::ConfigError& e) {
      what = e.what();
    }
    INFO("expected an error containing '" << c.expected << "', got '" << what << "'");
    CHECK(what.find(c.expected) != std::string::npos);
  }
  // A provider and the unsecured switch together.
  kwire::ProducerConfig both = kwire::ProducerConfig::from_properties(oauth_props("127.0.0.1:9"));
  both.security.oauthbearer_token_provider = [] { return kwire::OAuthBearerTokenResult{}; };
  std::string why;
  CHECK(both.validate(why) == kwire::errc::conflicting_config);
  CHECK(why.find("not both") != std::string::npos);
  // A provider without OAUTHBEARER.
  kwire::ProducerConfig stray = kwire::ProducerConfig::from_properties({{"bootstrap.servers", "127.0.0.1:9"}});
  stray.security.oauthbearer_token_provider = [] { return kwire::OAuthBearerTokenResult{}; };
  CHECK(stray.validate(why) == kwire::errc::conflicting_config);
  CHECK(why.find("an OAUTHBEARER token provider is set but security.protocol is PLAINTEXT") != std::string::npos);
  // The consumer refuses the same way.
  std::string consumer_error;
  try {
    kwire::Consumer consumer({{"bootstrap.servers", "127.0.0.1:9"},
                              {"security.protocol", "SASL_PLAINTEXT"},
                              {"sasl.mechanism", "OAUTHBEARER"},
                              {"enable.sasl.oauthbearer.unsecure.jwt", "true"}});
  } catch (const kwire::ConfigError& e) {
    consumer_error = e.what();
  }
  CHECK(consumer_error.find("sasl.oauthbearer.config=principal=NAME") != std::string::npos);
}

}  // namespace oauth_producer_test
