// The Kafka error category over the generated error table.
#include "kwire/protocol/errors.hpp"

#include <algorithm>
#include <string>

namespace kwire::protocol {

namespace {

const detail::KafkaErrorInfo* find_error(int code) noexcept {
  const auto* begin = detail::kKafkaErrors;
  const auto* end = begin + detail::kKafkaErrorCount;
  auto it = std::lower_bound(begin, end, code,
                             [](const detail::KafkaErrorInfo& e, int c) { return e.code < c; });
  if (it == end || it->code != code) return nullptr;
  return it;
}

class KafkaCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "kafka"; }
  std::string message(int code) const override {
    const auto* e = find_error(code);
    if (!e) return "UNKNOWN (" + std::to_string(code) + ")";
    std::string out(e->name);
    if (!e->message.empty()) {
      out += ": ";
      out += e->message;
    }
    return out;
  }
};

}  // namespace

const std::error_category& kafka_category() noexcept {
  static const KafkaCategory category;
  return category;
}

bool is_retriable(std::error_code ec) noexcept {
  if (ec.category() != kafka_category()) return false;
  const auto* e = find_error(ec.value());
  return e && e->retriable;
}

std::string_view kafka_error_name(std::int16_t code) noexcept {
  const auto* e = find_error(code);
  return e ? e->name : std::string_view("UNKNOWN");
}

std::string_view kafka_error_message(std::int16_t code) noexcept {
  const auto* e = find_error(code);
  return e ? e->message : std::string_view();
}

}  // namespace kwire::protocol
