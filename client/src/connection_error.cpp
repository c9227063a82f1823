// The connection error category: an error_code cannot carry a string, so each
// distinct (cause, address) failure gets a value that indexes a process-wide
// table of them. The table only grows and is bounded: failures are few
// (one per unreachable address and reason), and past the bound the plain
// cause is reported instead.
#include "connection_error.hpp"

#include <deque>
#include <mutex>
#include <string>

#include "kwire/errors.hpp"

namespace kwire {
namespace {

struct ConnectionFailure {
  std::error_code cause;
  std::string message;
};

class FailureTable {
 public:
  static constexpr std::size_t kMaxEntries = 512;

  // 0 when the table is full.
  int intern(std::error_code cause, std::string message) {
    std::lock_guard lock(mu_);
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      if (entries_[i].cause == cause && entries_[i].message == message) return static_cast<int>(i + 1);
    }
    if (entries_.size() >= kMaxEntries) return 0;
    entries_.push_back({cause, std::move(message)});
    return static_cast<int>(entries_.size());
  }

  // A copy: the deque never moves its elements, but copying under the lock
  // keeps the reader independent of that.
  bool find(int value, ConnectionFailure& out) const {
    std::lock_guard lock(mu_);
    if (value < 1 || static_cast<std::size_t>(value) > entries_.size()) return false;
    out = entries_[static_cast<std::size_t>(value) - 1];
    return true;
  }

 private:
  mutable std::mutex mu_;
  std::deque<ConnectionFailure> entries_;
};

FailureTable& table() {
  static FailureTable instance;
  return instance;
}

class ConnectionErrorCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "kwire.connection"; }
  std::string message(int ev) const override {
    ConnectionFailure failure;
    if (!table().find(ev, failure)) return "broker unreachable";
    return failure.message;
  }
  // Compares equal to the cause's condition: ec == std::errc::connection_refused.
  std::error_condition default_error_condition(int ev) const noexcept override {
    ConnectionFailure failure;
    try {
      if (table().find(ev, failure)) return failure.cause.default_error_condition();
    } catch (...) {  // std::mutex::lock may throw; a condition of our own then
    }
    return {ev, *this};
  }
};

}  // namespace

const std::error_category& connection_error_category() noexcept {
  static const ConnectionErrorCategory category;
  return category;
}

namespace detail {

std::error_code connection_error(std::error_code cause, std::string_view host, std::uint16_t port) {
  // Asio's socket errors are errno values in a category of Asio's own, which
  // does not map them to std::errc: the system category's errno does.
  if (std::string_view(cause.category().name()) == "asio.system") cause = {cause.value(), std::system_category()};
  const std::string address = std::string(host) + ":" + std::to_string(port);
  std::string message = cause == std::errc::connection_refused
                            ? "connection refused to " + address
                            : "cannot connect to " + address + ": " + cause.message();
  const int value = table().intern(cause, std::move(message));
  if (value == 0) return cause;
  return {value, connection_error_category()};
}

}  // namespace detail
}  // namespace kwire
