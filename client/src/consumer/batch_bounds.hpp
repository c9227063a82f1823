// Where the next Fetch of a partition starts, read from a response's records
// without decoding them: one past the last complete batch (record batch v2,
// or a legacy message whose offset is its last inner offset). Lets the io
// thread fetch ahead while the polling thread decodes. Pure; any thread.
#pragma once

#include <cstdint>
#include <optional>

#include "kwire/protocol/wire/bytes.hpp"

namespace kwire::detail {

// nullopt when `records` holds no complete batch. `last_epoch`, if given,
// gets the partition leader epoch of the last complete batch (-1 for a
// legacy message set), the epoch a position after it is validated with (KIP-320).
std::optional<std::int64_t> offset_after_complete_batches(protocol::Bytes records,
                                                          std::int32_t* last_epoch = nullptr) noexcept;

}  // namespace kwire::detail
