// The logging hook: a level and a message callback supplied by the user. kwire
// has no logging framework; it formats a line and hands it over. The callback
// is invoked on the io_context thread and must not block for long.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace kwire::net {

enum class LogLevel { debug = 0, info = 1, warning = 2, error = 3, off = 4 };

std::string_view to_string(LogLevel level) noexcept;

struct LogHook {
  LogLevel level = LogLevel::warning;  // messages below this level are not even formatted
  std::function<void(LogLevel, std::string_view)> callback;

  bool enabled(LogLevel l) const noexcept { return callback && l >= level && level != LogLevel::off; }
  void operator()(LogLevel l, std::string_view message) const {
    if (enabled(l)) callback(l, message);
  }
};

}  // namespace kwire::net
