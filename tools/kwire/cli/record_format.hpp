// kcat's -f output format for consumed records: %s value, %k key, %S value
// length, %K key length, %t topic, %p partition, %o offset, %T timestamp (ms),
// %h headers (n=v CSV), %% a percent sign; \n, \t and \\ escapes. Null keys
// and values print as nothing (lengths as -1).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "kwire/consumer.hpp"

namespace kwire::tool {

class RecordFormat {
 public:
  // nullopt-like: empty `error` on success.
  static RecordFormat parse(std::string_view format, std::string& error);
  // Appends one record formatted to `out`.
  void format(std::string& out, const kwire::ConsumerRecord& record) const;

 private:
  std::string format_;  // escapes already resolved
};

}  // namespace kwire::tool
