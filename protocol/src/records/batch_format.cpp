// In-place edits of a finished record batch's header.
#include "kwire/protocol/records/batch_format.hpp"

#include "big_endian.hpp"
#include "kwire/protocol/records/crc32c.hpp"

namespace kwire::protocol::records {

using detail::store_be;

void update_crc(std::span<std::uint8_t> batch) noexcept {
  std::uint32_t crc = crc32c(Bytes(batch.subspan(batch_offsets::attributes)));
  store_be<std::uint32_t>(batch.data() + batch_offsets::crc, crc);
}

bool set_producer_state(std::span<std::uint8_t> batch, std::int64_t producer_id, std::int16_t epoch,
                        std::int32_t base_sequence, bool transactional) noexcept {
  if (batch.size() < batch_header_size || batch[batch_offsets::magic] != 2) return false;
  std::uint8_t* p = batch.data();
  auto attrs = detail::load_be<std::uint16_t>(p + batch_offsets::attributes);
  if (transactional) attrs |= batch_attributes::transactional;
  else attrs &= static_cast<std::uint16_t>(~batch_attributes::transactional);
  store_be<std::uint16_t>(p + batch_offsets::attributes, attrs);
  store_be<std::uint64_t>(p + batch_offsets::producer_id, static_cast<std::uint64_t>(producer_id));
  store_be<std::uint16_t>(p + batch_offsets::producer_epoch, static_cast<std::uint16_t>(epoch));
  store_be<std::uint32_t>(p + batch_offsets::base_sequence, static_cast<std::uint32_t>(base_sequence));
  update_crc(batch);
  return true;
}

bool set_partition_leader_epoch(std::span<std::uint8_t> batch, std::int32_t epoch) noexcept {
  if (batch.size() < batch_header_size) return false;
  store_be<std::uint32_t>(batch.data() + batch_offsets::partition_leader_epoch, static_cast<std::uint32_t>(epoch));
  return true;
}

bool set_base_offset(std::span<std::uint8_t> batch, std::int64_t base_offset) noexcept {
  if (batch.size() < batch_header_size) return false;
  store_be<std::uint64_t>(batch.data() + batch_offsets::base_offset, static_cast<std::uint64_t>(base_offset));
  return true;
}

}  // namespace kwire::protocol::records
