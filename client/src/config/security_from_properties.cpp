// Security properties to net settings without a Producer (see kwire/security.hpp).
#include "kwire/security.hpp"

#include "config/librdkafka_properties.hpp"
#include "config/net_security.hpp"
#include "config/security_properties.hpp"
#include "kwire/errors.hpp"

namespace kwire {

bool is_security_property(std::string_view key) noexcept {
  return key.starts_with("security.") || key.starts_with("ssl.") || key.starts_with("sasl.") ||
         key == "enable.ssl.certificate.verification" || key == "enable.sasl.oauthbearer.unsecure.jwt";
}

net::SecurityConfig net_security_from_properties(const Properties& props) {
  SecurityConfig security;
  for (const auto& [key, value] : props) {
    if (!is_security_property(key)) continue;
    auto alias = detail::java_equivalent(key, value);  // sasl.mechanisms
    std::string problem;
    switch (detail::apply_security_property(security, alias ? alias->key : key, alias ? alias->value : value,
                                            problem)) {
      case detail::PropertyResult::applied: continue;
      case detail::PropertyResult::bad_value:
        throw ConfigError(make_error_code(errc::invalid_config_value), "invalid value for " + key + ": " + problem);
      case detail::PropertyResult::unknown:
        throw ConfigError(make_error_code(errc::unknown_config_key),
                          detail::unknown_property_message(key, detail::security_property_names()));
    }
  }
  std::string why;
  if (std::error_code ec = detail::validate_security(security, why)) throw ConfigError(ec, why);
  return detail::make_net_security(security);
}

}  // namespace kwire
