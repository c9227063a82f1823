// Security properties (see security_properties.hpp). Only what kwire can honour
// is accepted: PEM trust and key material, PLAIN and SCRAM SASL.
#include "config/security_properties.hpp"

#include <cctype>
#include <utility>
#include <vector>

#include "config/property_values.hpp"
#include "kwire/errors.hpp"
#include "kwire/net/sasl/oauthbearer.hpp"

namespace kwire::detail {
namespace {

// Extracts name="value" from a JAAS line such as
// org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";
bool jaas_option(std::string_view jaas, std::string_view name, std::string& out) {
  std::size_t pos = 0;
  while ((pos = jaas.find(name, pos)) != std::string_view::npos) {
    bool word_start = pos == 0 || jaas[pos - 1] == ' ' || jaas[pos - 1] == '\t';
    std::size_t eq = pos + name.size();
    while (eq < jaas.size() && jaas[eq] == ' ') ++eq;
    if (word_start && eq < jaas.size() && jaas[eq] == '=') {
      std::size_t q = eq + 1;
      while (q < jaas.size() && jaas[q] == ' ') ++q;
      if (q < jaas.size() && jaas[q] == '"') {
        std::size_t end = jaas.find('"', q + 1);
        if (end == std::string_view::npos) return false;
        out.assign(jaas.substr(q + 1, end - q - 1));
        return true;
      }
    }
    pos += name.size();
  }
  return false;
}

// Every name="value" option of a JAAS line, in order.
std::vector<std::pair<std::string, std::string>> jaas_options(std::string_view jaas) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t pos = 0;
  while ((pos = jaas.find('=', pos)) != std::string_view::npos) {
    std::size_t name_end = pos;
    while (name_end > 0 && jaas[name_end - 1] == ' ') --name_end;
    std::size_t name_start = name_end;
    while (name_start > 0 && (std::isalnum(static_cast<unsigned char>(jaas[name_start - 1])) ||
                              jaas[name_start - 1] == '_' || jaas[name_start - 1] == '.'))
      --name_start;
    std::size_t q = pos + 1;
    while (q < jaas.size() && jaas[q] == ' ') ++q;
    if (q >= jaas.size() || jaas[q] != '"' || name_start == name_end) {
      ++pos;
      continue;
    }
    std::size_t end = jaas.find('"', q + 1);
    if (end == std::string_view::npos) break;
    out.emplace_back(std::string(jaas.substr(name_start, name_end - name_start)),
                     std::string(jaas.substr(q + 1, end - q - 1)));
    pos = end + 1;
  }
  return out;
}

// Java's OAuthBearerLoginModule with its unsecured-token options
// (unsecuredLoginStringClaim_sub="alice" ...): the same unsecured JWS as
// enable.sasl.oauthbearer.unsecure.jwt=true with sasl.oauthbearer.config.
PropertyResult apply_oauthbearer_jaas(SecurityConfig& sec, std::string_view jaas, std::string& why) {
  std::string principal_claim = "sub", scope_claim = "scope", principal, scope, life;
  std::vector<std::pair<std::string, std::string>> claims_and_extensions;
  const auto options = jaas_options(jaas);
  for (const auto& [name, value] : options) {
    if (name == "unsecuredLoginPrincipalClaimName") principal_claim = value;
    else if (name == "unsecuredLoginScopeClaimName") scope_claim = value;
    else if (name == "unsecuredLoginLifetimeSeconds") life = value;
    else if (name.starts_with("unsecuredLoginStringClaim_") || name.starts_with("unsecuredLoginListClaim_") ||
             name.starts_with("unsecuredLoginExtension_"))
      claims_and_extensions.emplace_back(name, value);
    else {
      why = "OAuthBearerLoginModule option '" + name +
            "' is not supported (only the unsecured-token options unsecuredLogin*; for real tokens set a token "
            "provider in code: SecurityConfig::oauthbearer_token_provider)";
      return PropertyResult::bad_value;
    }
  }
  std::string config;
  auto add = [&config, &why](const std::string& name, const std::string& value) {
    if (value.find_first_of(" \t") != std::string::npos) {
      why = "OAuthBearerLoginModule: spaces in '" + value + "' are not supported";
      return false;
    }
    config += (config.empty() ? "" : " ") + name + "=" + value;
    return true;
  };
  for (const auto& [name, value] : claims_and_extensions) {
    const std::string claim = name.substr(name.find('_') + 1);
    if (name.starts_with("unsecuredLoginStringClaim_") && claim == principal_claim) principal = value;
    else if (name.starts_with("unsecuredLoginListClaim_") && claim == scope_claim && !value.empty()) {
      // The first character is the list's delimiter.
      scope = value.substr(1);
      for (char& c : scope)
        if (c == value[0]) c = ',';
    } else if (name.starts_with("unsecuredLoginExtension_")) {
      if (!add("extension_" + claim, value)) return PropertyResult::bad_value;
    } else {
      why = "OAuthBearerLoginModule option '" + name + "': only the principal (" + principal_claim + ") and scope (" +
            scope_claim + ") claims are supported";
      return PropertyResult::bad_value;
    }
  }
  if (principal.empty()) {
    why = "OAuthBearerLoginModule needs unsecuredLoginStringClaim_" + principal_claim + "=\"NAME\"";
    return PropertyResult::bad_value;
  }
  if (!add("principal", principal) || (!scope.empty() && !add("scope", scope)) ||
      (!life.empty() && !add("lifeSeconds", life)) || !add("principalClaimName", principal_claim) ||
      !add("scopeClaimName", scope_claim))
    return PropertyResult::bad_value;
  net::UnsecuredJwsOptions parsed;
  if (!net::parse_unsecured_jws_config(config, parsed, why)) {
    why = "OAuthBearerLoginModule: " + why;
    return PropertyResult::bad_value;
  }
  sec.sasl_oauthbearer_config = config;
  sec.sasl_oauthbearer_unsecure_jwt = true;
  return PropertyResult::applied;
}

// sasl.mechanism=OAUTHBEARER: exactly one token source, no password.
std::error_code validate_oauthbearer(const SecurityConfig& sec, std::string& why) {
  auto conflict = [&why](std::string text) {
    why = std::move(text);
    return make_error_code(errc::conflicting_config);
  };
  if (sec.oauthbearer_token_provider && sec.sasl_oauthbearer_unsecure_jwt)
    return conflict("OAUTHBEARER: set a token provider or enable.sasl.oauthbearer.unsecure.jwt=true, not both");
  if (!sec.oauthbearer_token_provider && !sec.sasl_oauthbearer_unsecure_jwt)
    return conflict("sasl.mechanism=OAUTHBEARER needs a token provider (SecurityConfig::oauthbearer_token_provider, "
                    "set in code) or, for tests, enable.sasl.oauthbearer.unsecure.jwt=true with "
                    "sasl.oauthbearer.config=principal=NAME");
  if (!sec.sasl_oauthbearer_config.empty() && !sec.sasl_oauthbearer_unsecure_jwt)
    return conflict("sasl.oauthbearer.config is read only with enable.sasl.oauthbearer.unsecure.jwt=true "
                    "(a token provider gets no configuration)");
  if (sec.sasl_oauthbearer_unsecure_jwt) {
    if (sec.sasl_oauthbearer_config.empty())
      return conflict("enable.sasl.oauthbearer.unsecure.jwt=true needs sasl.oauthbearer.config=principal=NAME");
    net::UnsecuredJwsOptions parsed;
    std::string problem;
    if (!net::parse_unsecured_jws_config(sec.sasl_oauthbearer_config, parsed, problem)) {
      why = "invalid value for sasl.oauthbearer.config: " + problem;
      return make_error_code(errc::invalid_config_value);
    }
  }
  if (!sec.sasl_username.empty() || !sec.sasl_password.empty())
    return conflict("sasl.username/sasl.password (or sasl.jaas.config) are set but OAUTHBEARER sends a token, "
                    "not a password: remove them");
  return {};
}

}  // namespace

PropertyResult apply_security_property(SecurityConfig& sec, std::string_view key, const std::string& value,
                                       std::string& why) {
  std::string lower = to_lower(trim(value));
  if (key == "security.protocol") {
    if (lower == "plaintext") sec.protocol = SecurityProtocol::plaintext;
    else if (lower == "ssl") sec.protocol = SecurityProtocol::ssl;
    else if (lower == "sasl_plaintext") sec.protocol = SecurityProtocol::sasl_plaintext;
    else if (lower == "sasl_ssl") sec.protocol = SecurityProtocol::sasl_ssl;
    else {
      why = "'" + value + "' is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL";
      return PropertyResult::bad_value;
    }
    return PropertyResult::applied;
  }
  if (key == "ssl.truststore.type" || key == "ssl.keystore.type") {
    if (lower != "pem") {
      why = "only PEM is supported";
      return PropertyResult::bad_value;
    }
    return PropertyResult::applied;
  }
  if (key == "ssl.endpoint.identification.algorithm") {
    if (lower == "https") sec.verify_hostname = true;
    else if (lower.empty()) sec.verify_hostname = false;
    else {
      why = "'" + value + "' is not https or empty";
      return PropertyResult::bad_value;
    }
    return PropertyResult::applied;
  }
  struct StringKey {
    std::string_view name;
    std::string SecurityConfig::*field;
  };
  if (key == "enable.ssl.certificate.verification") {
    auto on = parse_bool(value, why);
    if (!on) return PropertyResult::bad_value;
    sec.verify_certificate = *on;
    return PropertyResult::applied;
  }
  // Java's names, then librdkafka's (what kcat users pass with -X).
  static const StringKey strings[] = {
      {"ssl.truststore.location", &SecurityConfig::truststore_location},
      {"ssl.truststore.certificates", &SecurityConfig::truststore_certificates},
      {"ssl.keystore.location", &SecurityConfig::keystore_location},
      {"ssl.keystore.certificate.chain", &SecurityConfig::keystore_certificate_chain},
      {"ssl.keystore.key", &SecurityConfig::keystore_key},
      {"ssl.key.password", &SecurityConfig::key_password},
      {"ssl.ca.location", &SecurityConfig::truststore_location},
      {"ssl.ca.pem", &SecurityConfig::truststore_certificates},
      {"ssl.certificate.location", &SecurityConfig::certificate_location},
      {"ssl.certificate.pem", &SecurityConfig::keystore_certificate_chain},
      {"ssl.key.location", &SecurityConfig::key_location},
      {"ssl.key.pem", &SecurityConfig::keystore_key},
      {"sasl.username", &SecurityConfig::sasl_username},
      {"sasl.password", &SecurityConfig::sasl_password},
  };
  for (const StringKey& s : strings) {
    if (key == s.name) {
      sec.*(s.field) = value;
      return PropertyResult::applied;
    }
  }
  if (key == "sasl.mechanism" || key == "sasl.mechanisms") {  // Java's name, librdkafka's
    std::string upper(trim(value));
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (upper != "PLAIN" && upper != "SCRAM-SHA-256" && upper != "SCRAM-SHA-512" && upper != "OAUTHBEARER") {
      why = "'" + value + "' is not one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER";
      return PropertyResult::bad_value;
    }
    sec.sasl_mechanism = upper;
    return PropertyResult::applied;
  }
  if (key == "enable.sasl.oauthbearer.unsecure.jwt") {  // librdkafka's switch for the unsecured JWS
    auto on = parse_bool(value, why);
    if (!on) return PropertyResult::bad_value;
    sec.sasl_oauthbearer_unsecure_jwt = *on;
    return PropertyResult::applied;
  }
  if (key == "sasl.oauthbearer.config") {
    net::UnsecuredJwsOptions parsed;
    if (!net::parse_unsecured_jws_config(value, parsed, why)) return PropertyResult::bad_value;
    sec.sasl_oauthbearer_config = value;
    return PropertyResult::applied;
  }
  if (key == "sasl.oauthbearer.method") {  // librdkafka: default or oidc
    if (lower == "default") return PropertyResult::applied;
    why = lower == "oidc" ? "oidc (fetching tokens from a token endpoint) is not built in: set a token provider "
                            "in code (SecurityConfig::oauthbearer_token_provider, kwire/oauthbearer.hpp)"
                          : "'" + value + "' is not default or oidc";
    return PropertyResult::bad_value;
  }
  if (key == "sasl.jaas.config" && value.find("OAuthBearerLoginModule") != std::string::npos)
    return apply_oauthbearer_jaas(sec, value, why);
  if (key == "sasl.jaas.config") {
    if (!jaas_option(value, "username", sec.sasl_username) || !jaas_option(value, "password", sec.sasl_password)) {
      why = "expected username=\"...\" password=\"...\"";
      return PropertyResult::bad_value;
    }
    return PropertyResult::applied;
  }
  return PropertyResult::unknown;
}

std::span<const std::string_view> security_property_names() {
  static constexpr std::string_view names[] = {
      "security.protocol", "ssl.truststore.type", "ssl.keystore.type", "ssl.endpoint.identification.algorithm",
      "enable.ssl.certificate.verification", "ssl.truststore.location", "ssl.truststore.certificates",
      "ssl.keystore.location", "ssl.keystore.certificate.chain", "ssl.keystore.key", "ssl.key.password",
      "ssl.ca.location", "ssl.ca.pem", "ssl.certificate.location", "ssl.certificate.pem", "ssl.key.location",
      "ssl.key.pem", "sasl.username", "sasl.password", "sasl.mechanism", "sasl.jaas.config",
      "enable.sasl.oauthbearer.unsecure.jwt", "sasl.oauthbearer.config", "sasl.oauthbearer.method",
  };
  return names;
}

std::error_code validate_security(const SecurityConfig& sec, std::string& why) {
  auto conflict = [&why](std::string text) {
    why = std::move(text);
    return make_error_code(errc::conflicting_config);
  };
  const bool sasl = sec.protocol == SecurityProtocol::sasl_plaintext || sec.protocol == SecurityProtocol::sasl_ssl;
  const bool tls = sec.protocol == SecurityProtocol::ssl || sec.protocol == SecurityProtocol::sasl_ssl;
  const char* protocol_name = sec.protocol == SecurityProtocol::plaintext  ? "PLAINTEXT"
                              : sec.protocol == SecurityProtocol::ssl      ? "SSL"
                              : sec.protocol == SecurityProtocol::sasl_ssl ? "SASL_SSL"
                                                                           : "SASL_PLAINTEXT";
  const bool oauth = sasl && sec.sasl_mechanism == "OAUTHBEARER";
  if (sasl) {
    if (sec.sasl_mechanism != "PLAIN" && sec.sasl_mechanism != "SCRAM-SHA-256" && sec.sasl_mechanism != "SCRAM-SHA-512" &&
        !oauth)
      return conflict("sasl.mechanism must be PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER with " +
                      std::string(protocol_name));
    if (oauth) {
      if (std::error_code ec = validate_oauthbearer(sec, why)) return ec;
    } else {
      if (sec.sasl_username.empty()) return conflict("SASL needs a username (sasl.jaas.config or sasl.username)");
      if (sec.sasl_password.empty()) return conflict("SASL needs a password (sasl.jaas.config or sasl.password)");
    }
  } else if (!sec.sasl_username.empty() || !sec.sasl_password.empty()) {
    // Credentials that would silently go unused: the data would travel unauthenticated.
    return conflict("SASL credentials are set but security.protocol is " + std::string(protocol_name) +
                    ": use SASL_SSL or SASL_PLAINTEXT");
  }
  if (!oauth && (sec.oauthbearer_token_provider || sec.sasl_oauthbearer_unsecure_jwt ||
                 !sec.sasl_oauthbearer_config.empty())) {
    return conflict(std::string(sec.oauthbearer_token_provider ? "an OAUTHBEARER token provider"
                                : sec.sasl_oauthbearer_unsecure_jwt ? "enable.sasl.oauthbearer.unsecure.jwt=true"
                                                                    : "sasl.oauthbearer.config") +
                    " is set but " +
                    (sasl ? "sasl.mechanism is " + sec.sasl_mechanism
                          : "security.protocol is " + std::string(protocol_name)) +
                    ": use sasl.mechanism=OAUTHBEARER with SASL_SSL or SASL_PLAINTEXT");
  }
  const bool tls_material = !sec.truststore_location.empty() || !sec.truststore_certificates.empty() ||
                            !sec.keystore_location.empty() || !sec.keystore_certificate_chain.empty() ||
                            !sec.keystore_key.empty() || !sec.certificate_location.empty() ||
                            !sec.key_location.empty();
  if (!tls && tls_material)
    return conflict("ssl.* trust or key material is set but security.protocol is " + std::string(protocol_name) +
                    ": use SSL or SASL_SSL");
  if (!sec.truststore_location.empty() && !sec.truststore_certificates.empty())
    return conflict("set ssl.truststore.location (ssl.ca.location) or ssl.truststore.certificates (ssl.ca.pem), not both");
  if (!sec.keystore_key.empty() && sec.keystore_certificate_chain.empty())
    return conflict("ssl.keystore.key needs ssl.keystore.certificate.chain");
  if (sec.keystore_key.empty() && !sec.keystore_certificate_chain.empty())
    return conflict("ssl.keystore.certificate.chain needs ssl.keystore.key");
  if (sec.certificate_location.empty() != sec.key_location.empty())
    return conflict("ssl.certificate.location and ssl.key.location must both be set, or neither");
  const int identities = static_cast<int>(!sec.keystore_location.empty()) +
                         static_cast<int>(!sec.keystore_certificate_chain.empty()) +
                         static_cast<int>(!sec.certificate_location.empty());
  if (identities > 1)
    return conflict("more than one client certificate is configured: use one of ssl.keystore.location, "
                    "ssl.keystore.certificate.chain/key, ssl.certificate.location/ssl.key.location");
  if (!sec.key_password.empty() && identities == 0)
    return conflict("ssl.key.password is set but no client key is configured");
  return {};
}

}  // namespace kwire::detail
