// Kafka error codes as tests inject them into a broker (librdkafka's mock
// cluster, the TxnBroker): the int16 the wire carries. Shared so test files
// compiled in one unity group (cmake/KwireUnity.cmake) do not each define
// their own.
#pragma once

#include <cstdint>

namespace kwire::test::codes {

inline constexpr std::int16_t kNotLeaderOrFollower = 6;
inline constexpr std::int16_t kRequestTimedOut = 7;
inline constexpr std::int16_t kNotEnoughReplicas = 19;
inline constexpr std::int16_t kOutOfOrderSequence = 45;

}  // namespace kwire::test::codes
