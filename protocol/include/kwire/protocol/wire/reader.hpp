// Bounds-checked reader of Kafka primitive types over one received frame.
// Errors are sticky: the first failure is kept, later reads return zero
// values, and the caller checks ok()/error() once at the end. No exceptions.
// Every length read from the wire is checked against the bytes that remain
// (and a hard cap), so hostile input cannot trigger a large allocation.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <system_error>

#include "kwire/protocol/wire/bytes.hpp"
#include "kwire/protocol/wire/wire_error.hpp"

namespace kwire::protocol {

class Reader {
 public:
  explicit Reader(Bytes data) noexcept : data_(data) {}

  bool ok() const noexcept { return !err_; }
  std::error_code error() const noexcept { return err_; }
  void fail(std::error_code ec) noexcept {
    if (!err_) err_ = ec;
    pos_ = data_.size();
  }
  std::size_t remaining() const noexcept { return data_.size() - pos_; }
  std::size_t position() const noexcept { return pos_; }
  Bytes rest() const noexcept { return data_.subspan(pos_); }

  std::int8_t i8() noexcept { return static_cast<std::int8_t>(be<std::uint8_t>()); }
  std::uint8_t u8() noexcept { return be<std::uint8_t>(); }
  bool boolean() noexcept { return be<std::uint8_t>() != 0; }
  std::int16_t i16() noexcept { return static_cast<std::int16_t>(be<std::uint16_t>()); }
  std::uint16_t u16() noexcept { return be<std::uint16_t>(); }
  std::int32_t i32() noexcept { return static_cast<std::int32_t>(be<std::uint32_t>()); }
  std::uint32_t u32() noexcept { return be<std::uint32_t>(); }
  std::int64_t i64() noexcept { return static_cast<std::int64_t>(be<std::uint64_t>()); }
  double f64() noexcept {
    std::uint64_t bits = be<std::uint64_t>();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  Uuid uuid() noexcept {
    Uuid u;
    Bytes b = take(16);
    if (!b.empty()) std::memcpy(u.bytes.data(), b.data(), 16);
    return u;
  }

  std::uint32_t uvarint() noexcept { return static_cast<std::uint32_t>(uvar(5)); }
  std::uint64_t uvarlong() noexcept { return uvar(10); }
  std::int32_t varint() noexcept {
    std::uint32_t u = uvarint();
    return static_cast<std::int32_t>((u >> 1) ^ (~(u & 1) + 1));
  }
  std::int64_t varlong() noexcept {
    std::uint64_t u = uvarlong();
    return static_cast<std::int64_t>((u >> 1) ^ (~(u & 1) + 1));
  }

  // Strings and bytes are views into the frame. Null reads as nullopt.
  std::string_view string() noexcept { return as_string(non_null(sized(i16()))); }
  std::optional<std::string_view> nullable_string() noexcept {
    auto b = sized(i16());
    if (!b) return std::nullopt;
    return as_string(*b);
  }
  std::string_view compact_string() noexcept { return as_string(non_null(compact_sized())); }
  std::optional<std::string_view> compact_nullable_string() noexcept {
    auto b = compact_sized();
    if (!b) return std::nullopt;
    return as_string(*b);
  }
  Bytes bytes() noexcept { return non_null(sized(i32())); }
  std::optional<Bytes> nullable_bytes() noexcept { return sized(i32()); }
  Bytes compact_bytes() noexcept { return non_null(compact_sized()); }
  std::optional<Bytes> compact_nullable_bytes() noexcept { return compact_sized(); }

  // Array counts: -1 (or compact 0) is null, reported as nullopt. A count is
  // rejected when even one byte per element could not fit in what remains.
  std::optional<std::size_t> array_length() noexcept { return count(i32()); }
  std::optional<std::size_t> compact_array_length() noexcept {
    std::uint32_t n = uvarint();
    if (n == 0) return std::nullopt;
    return count(static_cast<std::int64_t>(n) - 1);
  }

  Bytes take(std::size_t n) noexcept {
    if (n > remaining()) {
      fail(wire_errc::truncated);
      return {};
    }
    Bytes b = data_.subspan(pos_, n);
    pos_ += n;
    return b;
  }
  void skip(std::size_t n) noexcept { take(n); }
  // A tagged-field section (flexible versions) whose fields nobody reads: a
  // count, then per field its tag and length-prefixed data.
  void skip_tagged_fields() noexcept {
    const std::uint32_t n = uvarint();
    for (std::uint32_t i = 0; i < n && ok(); ++i) {
      uvarint();
      skip(uvarint());
    }
  }

 private:
  template <typename U>
  U be() noexcept {
    if (remaining() < sizeof(U)) {
      fail(wire_errc::truncated);
      return 0;
    }
    U v = 0;
    for (std::size_t i = 0; i < sizeof(U); ++i) v = static_cast<U>((v << 8) | data_[pos_ + i]);
    pos_ += sizeof(U);
    return v;
  }
  std::uint64_t uvar(int max_bytes) noexcept {
    std::uint64_t v = 0;
    for (int i = 0; i < max_bytes; ++i) {
      if (pos_ >= data_.size()) {
        fail(wire_errc::truncated);
        return 0;
      }
      std::uint8_t b = data_[pos_++];
      v |= static_cast<std::uint64_t>(b & 0x7f) << (7 * i);
      if ((b & 0x80) == 0) return v;
    }
    fail(wire_errc::varint_too_long);
    return 0;
  }
  std::optional<Bytes> sized(std::int64_t n) noexcept {
    if (n == -1) return std::nullopt;
    if (n < -1) {
      fail(wire_errc::invalid_length);
      return Bytes{};
    }
    if (static_cast<std::uint64_t>(n) > remaining()) {
      fail(wire_errc::invalid_length);
      return Bytes{};
    }
    return take(static_cast<std::size_t>(n));
  }
  std::optional<Bytes> compact_sized() noexcept {
    std::uint32_t n = uvarint();
    if (!ok()) return Bytes{};
    return sized(static_cast<std::int64_t>(n) - 1);
  }
  Bytes non_null(std::optional<Bytes> b) noexcept {
    if (!b) {
      fail(wire_errc::unexpected_null);
      return {};
    }
    return *b;
  }
  std::optional<std::size_t> count(std::int64_t n) noexcept {
    if (!ok()) return std::size_t{0};
    if (n == -1) return std::nullopt;
    if (n < -1 || static_cast<std::uint64_t>(n) > remaining()) {
      fail(wire_errc::invalid_length);
      return std::size_t{0};
    }
    return static_cast<std::size_t>(n);
  }

  Bytes data_;
  std::size_t pos_ = 0;
  std::error_code err_;
};

}  // namespace kwire::protocol
