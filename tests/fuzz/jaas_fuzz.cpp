// Fuzz target for the security properties a user or a config file gives
// (client/src/config/security_properties.cpp): sasl.jaas.config's
// username="..." password="..." extraction above all, and every other
// security key. Input: byte 0 picks the key, the rest is the value. Checks:
// a JAAS value that applies yields a username and password that are quoted
// substrings of it; validation of whatever was applied never crashes.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "config/security_properties.hpp"
#include "kwire/net/sasl/oauthbearer.hpp"

using namespace kwire::detail;

namespace {
const char* const kKeys[] = {"sasl.jaas.config", "security.protocol", "sasl.mechanism", "sasl.username",
                             "sasl.password", "ssl.truststore.type", "ssl.keystore.type",
                             "ssl.endpoint.identification.algorithm", "ssl.truststore.location",
                             "ssl.keystore.key", "ssl.key.password"};
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string key = kKeys[data[0] % (sizeof kKeys / sizeof kKeys[0])];
  const std::string value(reinterpret_cast<const char*>(data + 1), size - 1);
  kwire::SecurityConfig sec;
  std::string why;
  const auto result = apply_security_property(sec, key, value, why);
  if (result == PropertyResult::bad_value && why.empty()) std::abort();
  if (key == "sasl.jaas.config" && result == PropertyResult::applied && sec.sasl_oauthbearer_unsecure_jwt) {
    // OAuthBearerLoginModule: the unsecured JWS settings it became must parse.
    kwire::net::UnsecuredJwsOptions parsed;
    std::string problem;
    if (!kwire::net::parse_unsecured_jws_config(sec.sasl_oauthbearer_config, parsed, problem)) std::abort();
    if (value.find('"' + parsed.principal + '"') == std::string::npos) std::abort();
  } else if (key == "sasl.jaas.config" && result == PropertyResult::applied) {
    if (value.find('"' + sec.sasl_username + '"') == std::string::npos ||
        value.find('"' + sec.sasl_password + '"') == std::string::npos)
      std::abort();
  }
  // Validation of one applied key on top of a SASL setup must never crash.
  std::string ignored;
  (void)apply_security_property(sec, "security.protocol", "SASL_SSL", ignored);
  (void)validate_security(sec, why);
  return 0;
}
