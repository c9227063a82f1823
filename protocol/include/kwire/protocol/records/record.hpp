// A record's parts as the builder takes them and the reader yields them:
// views only (keys, values and header values point into the caller's memory
// or the batch buffer), so neither path copies payloads.
#pragma once

#include <cstdint>
#include <iterator>
#include <optional>
#include <string_view>

#include "kwire/protocol/wire/bytes.hpp"

namespace kwire::protocol::records {

struct Header {
  std::string_view key;
  std::optional<Bytes> value;  // nullopt = null header value
};

// The headers of one record, decoded lazily from already-validated bytes.
class HeaderRange {
 public:
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Header;
    using difference_type = std::ptrdiff_t;
    using pointer = const Header*;
    using reference = const Header&;

    iterator() = default;
    iterator(Bytes rest, std::int32_t left) noexcept : rest_(rest), left_(left) { load(); }
    reference operator*() const noexcept { return current_; }
    pointer operator->() const noexcept { return &current_; }
    iterator& operator++() noexcept {
      --left_;
      load();
      return *this;
    }
    void operator++(int) noexcept { ++*this; }
    friend bool operator==(const iterator& a, const iterator& b) noexcept { return a.left_ == b.left_; }

   private:
    void load() noexcept;
    Bytes rest_;
    std::int32_t left_ = 0;
    Header current_;
  };

  HeaderRange() = default;
  HeaderRange(Bytes raw, std::int32_t count) noexcept : raw_(raw), count_(count) {}
  iterator begin() const noexcept { return {raw_, count_}; }
  iterator end() const noexcept { return {}; }
  std::size_t size() const noexcept { return static_cast<std::size_t>(count_); }
  bool empty() const noexcept { return count_ == 0; }

 private:
  Bytes raw_;  // the header entries, without the count
  std::int32_t count_ = 0;
};

struct RecordView {
  std::int64_t offset = 0;
  std::int64_t timestamp = 0;  // ms; the batch's max timestamp under LogAppendTime
  std::int8_t attributes = 0;
  std::optional<Bytes> key;    // nullopt = null key
  std::optional<Bytes> value;  // nullopt = null value (a tombstone)
  HeaderRange headers;
};

// Control records (transaction markers) in control batches.
enum class ControlType : std::int16_t { abort = 0, commit = 1 };
struct ControlRecord {
  ControlType type = ControlType::abort;
  std::int32_t coordinator_epoch = 0;
};

}  // namespace kwire::protocol::records
