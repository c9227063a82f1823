// Hand-encoded ProduceRequest v3 and FetchRequest v4 over a RawClient, so the
// record-batch tests can put our batches on a broker and fetch raw record
// blobs back without depending on the rest of the client. Test-only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kwire/protocol/wire/bytes.hpp"
#include "raw_client.hpp"

namespace kwire::test {

struct RawProduceResult {
  std::int16_t error_code = -1;
  std::int64_t base_offset = -1;
};

// One batch (or several concatenated) to one partition; acks=-1.
RawProduceResult raw_produce(RawClient& client, const std::string& topic, std::int32_t partition,
                             kwire::protocol::Bytes records,
                             const std::optional<std::string>& transactional_id = std::nullopt);

struct RawFetchResult {
  std::int16_t error_code = -1;
  std::int64_t high_watermark = -1;
  std::vector<std::uint8_t> frame;  // the whole response; records points into it
  kwire::protocol::Bytes records;
};

// Fetch from one partition at an offset, up to max_bytes of records.
RawFetchResult raw_fetch(RawClient& client, const std::string& topic, std::int32_t partition, std::int64_t offset,
                         std::int32_t max_bytes);

// Fetches until the whole log [offset, high watermark) has come back; returns
// the concatenation of the complete batches (partial tails dropped).
std::vector<std::uint8_t> raw_fetch_all(RawClient& client, const std::string& topic, std::int32_t partition,
                                        std::int32_t max_bytes_per_fetch = 8 * 1024 * 1024);

}  // namespace kwire::test
