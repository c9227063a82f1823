// The machinery the producer's and the consumer's configurations share: typed
// setters built from a member pointer, and one property applied through a
// config's table of setters, then the security settings, else refused as
// unknown. Both configs therefore refuse a bad value or an unknown key with the
// same codes and messages, naming the key as the caller wrote it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <system_error>

#include "config/property_values.hpp"
#include "config/security_properties.hpp"
#include "kwire/errors.hpp"

namespace kwire::detail {

template <class Config>
using PropertySetter = std::function<bool(Config&, const std::string&, std::string&)>;

template <class Config>
using PropertyTable = std::map<std::string_view, PropertySetter<Config>>;

template <class Config>
PropertySetter<Config> int32_setter(std::int32_t Config::*field, std::int64_t min, std::int64_t max) {
  return [=](Config& c, const std::string& v, std::string& why) {
    auto n = parse_int(v, min, max, why);
    if (n) c.*field = static_cast<std::int32_t>(*n);
    return n.has_value();
  };
}

template <class Config>
PropertySetter<Config> ms_setter(std::chrono::milliseconds Config::*field, std::int64_t min, std::int64_t max) {
  return [=](Config& c, const std::string& v, std::string& why) {
    auto n = parse_int(v, min, max, why);
    if (n) c.*field = std::chrono::milliseconds(*n);
    return n.has_value();
  };
}

inline std::error_code refuse_property(std::string& why, std::error_code code, std::string message) {
  why = std::move(message);
  return code;
}

// Applies KEY=VALUE to `c`. `written_as` is the name the caller used (a
// librdkafka alias the producer translated, say); `unknown_message` words the
// refusal of a key neither table knows.
template <class Config, class UnknownMessage>
std::error_code apply_property(Config& c, const PropertyTable<Config>& setters, const std::string& key,
                               const std::string& value, const std::string& written_as,
                               const UnknownMessage& unknown_message, std::string& why) {
  std::string problem;
  if (auto it = setters.find(key); it != setters.end()) {
    if (it->second(c, value, problem)) return {};
    return refuse_property(why, errc::invalid_config_value, "invalid value for " + written_as + ": " + problem);
  }
  switch (apply_security_property(c.security, key, value, problem)) {
    case PropertyResult::applied: return {};
    case PropertyResult::bad_value:
      return refuse_property(why, errc::invalid_config_value, "invalid value for " + written_as + ": " + problem);
    case PropertyResult::unknown: break;
  }
  return refuse_property(why, errc::unknown_config_key, unknown_message(written_as));
}

// Config::parse, throwing ConfigError instead of returning the code.
template <class Config, class Properties>
Config parse_or_throw(const Properties& props) {
  Config c;
  std::string why;
  if (std::error_code ec = Config::parse(props, c, why)) throw ConfigError(ec, why);
  return c;
}

}  // namespace kwire::detail
