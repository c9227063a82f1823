// The shape every error category of the net layer shares: a fixed name, one
// fixed sentence per enumerator (from a describe function), and a fallback
// text for values that are not enumerators. Private to net/src; any thread.
#pragma once

#include <string>
#include <system_error>

namespace kwire::net::detail {

template <typename Enum>
class EnumCategory final : public std::error_category {
 public:
  using Describe = const char* (*)(Enum) noexcept;  // nullptr for a value that is not an enumerator
  using Fallback = std::string (*)(int value);

  EnumCategory(const char* name, Describe describe, Fallback fallback) noexcept
      : name_(name), describe_(describe), fallback_(fallback) {}

  const char* name() const noexcept override { return name_; }
  std::string message(int value) const override {
    if (const char* text = describe_(static_cast<Enum>(value))) return text;
    return fallback_(value);
  }

 private:
  const char* name_;
  Describe describe_;
  Fallback fallback_;
};

}  // namespace kwire::net::detail
