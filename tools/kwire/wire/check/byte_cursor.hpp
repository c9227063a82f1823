// Bounds-checked reads of fixed-width integers in either byte order, for the
// capture readers and the link, IP and TCP header decoders. A read past the
// end returns 0 and makes ok() false. Single thread.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kwire/protocol/wire/bytes.hpp"

namespace kwire::tool::wire {

class ByteCursor {
 public:
  explicit ByteCursor(protocol::Bytes data, bool little_endian = false) noexcept
      : data_(data), little_(little_endian) {}

  bool ok() const noexcept { return ok_; }
  std::size_t position() const noexcept { return pos_; }
  std::size_t remaining() const noexcept { return data_.size() - pos_; }
  void set_little_endian(bool little) noexcept { little_ = little; }

  std::uint8_t u8() noexcept { return static_cast<std::uint8_t>(read(1)); }
  std::uint16_t u16() noexcept { return static_cast<std::uint16_t>(read(2)); }
  std::uint32_t u32() noexcept { return static_cast<std::uint32_t>(read(4)); }
  std::uint64_t u64() noexcept { return read(8); }

  protocol::Bytes take(std::size_t n) noexcept {
    if (n > remaining()) {
      ok_ = false;
      pos_ = data_.size();
      return {};
    }
    auto out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  void skip(std::size_t n) noexcept { take(n); }

 private:
  std::uint64_t read(std::size_t n) noexcept {
    auto b = take(n);
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < b.size(); ++i) {
      const std::size_t at = little_ ? b.size() - 1 - i : i;
      v = (v << 8) | b[at];
    }
    return v;
  }

  protocol::Bytes data_;
  std::size_t pos_ = 0;
  bool little_ = false;
  bool ok_ = true;
};

}  // namespace kwire::tool::wire
