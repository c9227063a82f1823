// A password or key pass phrase that must never reach a log line or an error
// message. The value is reachable only through reveal(), printing it shows a
// placeholder, and the bytes are wiped when the object dies.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

namespace kwire::net {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  Secret(const Secret& other) : value_(other.value_) {}
  Secret(Secret&& other) noexcept : value_(std::move(other.value_)) { other.wipe(); }
  Secret& operator=(const Secret& other) {
    if (this != &other) {
      wipe();
      value_ = other.value_;
    }
    return *this;
  }
  Secret& operator=(Secret&& other) noexcept {
    if (this != &other) {
      wipe();
      value_ = std::move(other.value_);
      other.wipe();
    }
    return *this;
  }
  ~Secret() { wipe(); }

  // The only way to the value: call sites that do so are easy to audit.
  std::string_view reveal() const noexcept { return value_; }
  bool empty() const noexcept { return value_.empty(); }

  friend std::ostream& operator<<(std::ostream& os, const Secret&) { return os << "[redacted]"; }

 private:
  void wipe() noexcept;
  std::string value_;
};

}  // namespace kwire::net
