// librdkafka's property names. Those with a Java equivalent are read as that
// property (the value converted where the units differ), as ssl.ca.location
// is read as ssl.truststore.location; those without are refused with a
// message naming the closest supported property.
// Pure functions; any thread.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace kwire::detail {

struct JavaProperty {
  std::string key;
  std::string value;
};

// The Java property a librdkafka name stands for, its value converted;
// nullopt when `key` is not such a name. A value that cannot be converted is
// passed on unchanged, for the Java property's parser to refuse in its words.
std::optional<JavaProperty> java_equivalent(std::string_view key, const std::string& value);

// "unknown producer property 'KEY'" and the closest supported property: the
// one librdkafka users mean for the names kwire knows have no equivalent,
// else the nearest of `supported` by edit distance.
std::string unknown_property_message(std::string_view key, std::span<const std::string_view> supported);

}  // namespace kwire::detail
