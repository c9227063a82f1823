// Appends Kafka primitive types (big-endian, varints, compact forms) to a byte
// buffer. Large payloads can be spliced in by reference (append_ref) so a
// record batch reaches the socket without a second copy: gather() yields the
// owned bytes and the referenced spans in order.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "kwire/protocol/wire/bytes.hpp"

namespace kwire::protocol {

class Writer {
 public:
  Writer() = default;
  explicit Writer(std::vector<std::uint8_t> buffer) : buf_(std::move(buffer)) { buf_.clear(); }

  void i8(std::int8_t v) { buf_.push_back(static_cast<std::uint8_t>(v)); }
  void u8(std::uint8_t v) { buf_.push_back(v); }
  void boolean(bool v) { buf_.push_back(v ? 1 : 0); }
  void i16(std::int16_t v) { be(static_cast<std::uint16_t>(v)); }
  void u16(std::uint16_t v) { be(v); }
  void i32(std::int32_t v) { be(static_cast<std::uint32_t>(v)); }
  void u32(std::uint32_t v) { be(v); }
  void i64(std::int64_t v) { be(static_cast<std::uint64_t>(v)); }
  void f64(double v) {
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    be(bits);
  }
  void uuid(const Uuid& v) { raw(Bytes(v.bytes)); }

  void uvarint(std::uint32_t v) { uvarlong(v); }
  void uvarlong(std::uint64_t v) {
    while (v >= 0x80) {
      buf_.push_back(static_cast<std::uint8_t>(v | 0x80));
      v >>= 7;
    }
    buf_.push_back(static_cast<std::uint8_t>(v));
  }
  // Zig-zag signed varints, as used inside record batches.
  void varint(std::int32_t v) {
    uvarint((static_cast<std::uint32_t>(v) << 1) ^ static_cast<std::uint32_t>(v >> 31));
  }
  void varlong(std::int64_t v) {
    uvarlong((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
  }

  // Length-prefixed forms. "compact" = flexible versions: unsigned varint of length+1, 0 = null.
  void string(std::string_view s) { i16(static_cast<std::int16_t>(s.size())); raw(as_bytes(s)); }
  void nullable_string(const std::optional<std::string_view>& s) {
    if (!s) return i16(-1);
    string(*s);
  }
  void compact_string(std::string_view s) { uvarint(static_cast<std::uint32_t>(s.size() + 1)); raw(as_bytes(s)); }
  void compact_nullable_string(const std::optional<std::string_view>& s) {
    if (!s) return uvarint(0);
    compact_string(*s);
  }
  void bytes(Bytes b) { i32(static_cast<std::int32_t>(b.size())); put_payload(b); }
  void nullable_bytes(const std::optional<Bytes>& b) {
    if (!b) return i32(-1);
    bytes(*b);
  }
  void compact_bytes(Bytes b) { uvarint(static_cast<std::uint32_t>(b.size() + 1)); put_payload(b); }
  void compact_nullable_bytes(const std::optional<Bytes>& b) {
    if (!b) return uvarint(0);
    compact_bytes(*b);
  }
  void array_length(std::size_t n) { i32(static_cast<std::int32_t>(n)); }
  void compact_array_length(std::size_t n) { uvarint(static_cast<std::uint32_t>(n + 1)); }
  void null_array() { i32(-1); }
  void compact_null_array() { uvarint(0); }

  void raw(Bytes b) { buf_.insert(buf_.end(), b.begin(), b.end()); }

  // Splice b in by reference: it must outlive the writer's gather() use.
  void append_ref(Bytes b) {
    if (b.empty()) return;
    refs_.emplace_back(buf_.size(), b);
    ref_bytes_ += b.size();
  }
  // Payloads at or above this size are referenced rather than copied.
  void set_ref_threshold(std::size_t n) { ref_threshold_ = n; }

  // Placeholder for a big-endian int32 filled in later (frame and batch lengths).
  std::size_t reserve_i32() {
    std::size_t at = buf_.size();
    buf_.resize(at + 4);
    return at;
  }
  void patch_i32(std::size_t at, std::int32_t v) {
    auto u = static_cast<std::uint32_t>(v);
    buf_[at] = static_cast<std::uint8_t>(u >> 24);
    buf_[at + 1] = static_cast<std::uint8_t>(u >> 16);
    buf_[at + 2] = static_cast<std::uint8_t>(u >> 8);
    buf_[at + 3] = static_cast<std::uint8_t>(u);
  }

  // Total encoded size, owned plus referenced bytes.
  std::size_t size() const noexcept { return buf_.size() + ref_bytes_; }
  const std::vector<std::uint8_t>& owned() const noexcept { return buf_; }
  std::vector<std::uint8_t>& owned() noexcept { return buf_; }
  std::vector<std::uint8_t> release() { return std::move(buf_); }
  bool has_refs() const noexcept { return !refs_.empty(); }

  // Calls f(Bytes) for each piece in wire order.
  template <typename F>
  void gather(F&& f) const {
    std::size_t pos = 0;
    for (const auto& [at, ref] : refs_) {
      if (at > pos) f(Bytes(buf_.data() + pos, at - pos));
      f(ref);
      pos = at;
    }
    if (buf_.size() > pos) f(Bytes(buf_.data() + pos, buf_.size() - pos));
  }

  void clear() {
    buf_.clear();
    refs_.clear();
    ref_bytes_ = 0;
  }

 private:
  template <typename U>
  void be(U v) {
    std::uint8_t tmp[sizeof(U)];
    for (std::size_t i = 0; i < sizeof(U); ++i) tmp[i] = static_cast<std::uint8_t>(v >> (8 * (sizeof(U) - 1 - i)));
    buf_.insert(buf_.end(), tmp, tmp + sizeof(U));
  }
  void put_payload(Bytes b) {
    if (b.size() >= ref_threshold_) append_ref(b);
    else raw(b);
  }

  std::vector<std::uint8_t> buf_;
  std::vector<std::pair<std::size_t, Bytes>> refs_;
  std::size_t ref_bytes_ = 0;
  std::size_t ref_threshold_ = SIZE_MAX;
};

// Encoded sizes without encoding, for encoded_size() and batch accounting.
constexpr std::size_t uvarint_size(std::uint64_t v) noexcept {
  std::size_t n = 1;
  while (v >= 0x80) { v >>= 7; ++n; }
  return n;
}
constexpr std::size_t varint_size(std::int32_t v) noexcept {
  return uvarint_size((static_cast<std::uint32_t>(v) << 1) ^ static_cast<std::uint32_t>(v >> 31));
}
constexpr std::size_t varlong_size(std::int64_t v) noexcept {
  return uvarint_size((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
}

}  // namespace kwire::protocol
