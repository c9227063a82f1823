// Lazy decoding of a record's headers; the reader validated the bytes first,
// so decoding here cannot fail.
#include "kwire/protocol/records/record.hpp"
#include "varint_cursor.hpp"

namespace kwire::protocol::records {

void HeaderRange::iterator::load() noexcept {
  if (left_ <= 0) {
    left_ = 0;
    return;
  }
  detail::VarintCursor c{rest_.data(), rest_.data() + rest_.size()};
  std::int32_t klen = 0, vlen = 0;
  Bytes key, value;
  c.varint(klen);
  c.take(static_cast<std::size_t>(klen), key);
  c.varint(vlen);
  if (vlen >= 0) {
    c.take(static_cast<std::size_t>(vlen), value);
    current_.value = value;
  } else {
    current_.value.reset();
  }
  current_.key = as_string(key);
  rest_ = Bytes(c.p, c.end);
}

}  // namespace kwire::protocol::records
