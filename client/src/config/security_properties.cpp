// Security properties (see security_properties.hpp). Only what kwire can honour
// is accepted: PEM trust and key material, PLAIN and SCRAM SASL.
#include "config/security_properties.hpp"

#include <cctype>

#include "config/property_values.hpp"
#include "kwire/errors.hpp"

namespace kwire::config {
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
  static const StringKey strings[] = {
      {"ssl.truststore.location", &SecurityConfig::truststore_location},
      {"ssl.truststore.certificates", &SecurityConfig::truststore_certificates},
      {"ssl.keystore.location", &SecurityConfig::keystore_location},
      {"ssl.keystore.certificate.chain", &SecurityConfig::keystore_certificate_chain},
      {"ssl.keystore.key", &SecurityConfig::keystore_key},
      {"ssl.key.password", &SecurityConfig::key_password},
      {"sasl.username", &SecurityConfig::sasl_username},
      {"sasl.password", &SecurityConfig::sasl_password},
  };
  for (const StringKey& s : strings) {
    if (key == s.name) {
      sec.*(s.field) = value;
      return PropertyResult::applied;
    }
  }
  if (key == "sasl.mechanism") {
    std::string upper(trim(value));
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (upper != "PLAIN" && upper != "SCRAM-SHA-256" && upper != "SCRAM-SHA-512") {
      why = "'" + value + "' is not one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512";
      return PropertyResult::bad_value;
    }
    sec.sasl_mechanism = upper;
    return PropertyResult::applied;
  }
  if (key == "sasl.jaas.config") {
    if (!jaas_option(value, "username", sec.sasl_username) || !jaas_option(value, "password", sec.sasl_password)) {
      why = "expected username=\"...\" password=\"...\"";
      return PropertyResult::bad_value;
    }
    return PropertyResult::applied;
  }
  return PropertyResult::unknown;
}

std::error_code validate_security(const SecurityConfig& sec, std::string& why) {
  bool sasl = sec.protocol == SecurityProtocol::sasl_plaintext || sec.protocol == SecurityProtocol::sasl_ssl;
  if (sasl) {
    if (sec.sasl_mechanism != "PLAIN" && sec.sasl_mechanism != "SCRAM-SHA-256" && sec.sasl_mechanism != "SCRAM-SHA-512") {
      why = "sasl.mechanism must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 with " +
            std::string(sec.protocol == SecurityProtocol::sasl_ssl ? "SASL_SSL" : "SASL_PLAINTEXT");
      return errc::conflicting_config;
    }
    if (sec.sasl_username.empty()) {
      why = "SASL needs a username (sasl.jaas.config or sasl.username)";
      return errc::conflicting_config;
    }
  }
  if (!sec.keystore_key.empty() && sec.keystore_certificate_chain.empty()) {
    why = "ssl.keystore.key needs ssl.keystore.certificate.chain";
    return errc::conflicting_config;
  }
  return {};
}

}  // namespace kwire::config
