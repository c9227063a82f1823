// Where a built-in partitioner puts a record by its key (kwire/partitioner.hpp
// has the hashes), or nullopt when the key does not decide (keyless records
// of the *_random and default partitioners, uniform_sticky, random).
// Pure functions; any thread.
#pragma once

#include <cstdint>
#include <optional>

#include "kwire/partitioner.hpp"
#include "kwire/producer_config.hpp"
#include "kwire/record.hpp"

namespace kwire::detail {

std::optional<std::int32_t> keyed_partition(BuiltinPartitioner mode, const std::optional<Bytes>& key,
                                            std::int32_t partition_count) noexcept;

}  // namespace kwire::detail
