// Kafka's error codes (the int16 a broker puts in a response) as a
// std::error_category, with each code's name, description and whether a
// client may retry. The enum and table are generated from
// kafka-docs/error-codes.tsv. Any thread; read-only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <system_error>

#include "kwire/protocol/kafka_errc.hpp"

namespace kwire::protocol {

const std::error_category& kafka_category() noexcept;

inline std::error_code make_error_code(kafka_errc e) noexcept {
  return {static_cast<int>(e), kafka_category()};
}

// The code from a response as an error_code; 0 (NONE) gives an empty one.
inline std::error_code kafka_error(std::int16_t code) noexcept {
  if (code == 0) return {};
  return {code, kafka_category()};
}

// True for Kafka errors the protocol marks retriable; false for any other category.
bool is_retriable(std::error_code ec) noexcept;

// "NOT_LEADER_OR_FOLLOWER"; "UNKNOWN" for a code not in the table.
std::string_view kafka_error_name(std::int16_t code) noexcept;
// The protocol's description of the code; empty if unknown.
std::string_view kafka_error_message(std::int16_t code) noexcept;

namespace detail {
struct KafkaErrorInfo {
  std::int16_t code;
  std::string_view name;
  bool retriable;
  std::string_view message;
};
extern const KafkaErrorInfo kKafkaErrors[];
extern const std::size_t kKafkaErrorCount;
}  // namespace detail

}  // namespace kwire::protocol

template <>
struct std::is_error_code_enum<kwire::protocol::kafka_errc> : std::true_type {};
