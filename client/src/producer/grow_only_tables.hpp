// Tables the producer's send path reads without a lock (issue 15, direction
// 2): topic name -> state (GrowOnlyTopicMap) and partition -> state
// (GrowOnlyArray). Entries are only ever added, never removed or moved, so a
// reader needs no lock: it loads the current snapshot (one acquire load) and
// looks there. A writer (the first send to a new topic or partition, rare)
// takes the table's mutex, builds a new snapshot beside the old one and
// publishes it with a release store. Old snapshots stay alive until the
// table dies, because a reader may still be looking at one; they only hold
// pointers, and a table grows a handful of times in a producer's life.
//
// Threads: find/for_each from any thread, lock-free; find_or_add/get_or_grow
// from any thread, serialized by the table's mutex. The entries (T) are not
// synchronized by the table: T brings its own atomics or locks.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace kwire::detail {

template <typename T>
class GrowOnlyTopicMap {
 public:
  GrowOnlyTopicMap() { publish(build(8)); }
  GrowOnlyTopicMap(const GrowOnlyTopicMap&) = delete;
  GrowOnlyTopicMap& operator=(const GrowOnlyTopicMap&) = delete;

  // Lock-free; null when the name was never added. Always inlined: every
  // send makes this lookup, and GCC's per-file inlining budget otherwise
  // decides by what else the caller's file holds (an unrelated change to
  // producer_impl.cpp's includes once moved it out of line: +17 Ir/record).
  [[gnu::always_inline]] T* find(std::string_view name) const noexcept {
    const Snapshot* s = current_.load(std::memory_order_acquire);
    const std::uint64_t h = hash(name);
    for (std::size_t i = h & s->mask;; i = (i + 1) & s->mask) {
      const Slot& slot = s->slots[i];
      if (slot.entry == nullptr) return nullptr;
      if (slot.hash == h && slot.entry->name == name) return slot.entry->value.get();
    }
  }

  // The entry for `name`, made by make() (a std::unique_ptr<T>) under the
  // table's mutex when it is new.
  template <typename Make>
  T& find_or_add(std::string_view name, Make&& make) {
    if (T* found = find(name)) return *found;
    std::lock_guard lock(mu_);
    if (T* found = find(name)) return *found;
    Entry& e = entries_.emplace_back(Entry{std::string(name), make()});
    const Snapshot* old = current_.load(std::memory_order_relaxed);
    std::size_t capacity = old->slots.size();
    while (entries_.size() * 2 > capacity) capacity *= 2;  // at most half full: short probes
    publish(build(capacity));
    return *e.value;
  }

  // f(name, T&) for every entry, in the order they were added; lock-free.
  template <typename F>
  void for_each(F&& f) const {
    const Snapshot* s = current_.load(std::memory_order_acquire);
    for (const Entry* e : s->order) f(std::string_view(e->name), *e->value);
  }

 private:
  struct Entry {
    std::string name;
    std::unique_ptr<T> value;
  };
  struct Slot {
    std::uint64_t hash = 0;
    const Entry* entry = nullptr;
  };
  struct Snapshot {
    std::size_t mask = 0;
    std::vector<Slot> slots;          // open addressing, linear probing
    std::vector<const Entry*> order;  // insertion order, for for_each
  };

  static std::uint64_t hash(std::string_view name) noexcept {
    // FNV-1a: topic names are short, and this costs a few instructions a byte.
    std::uint64_t h = 14695981039346656037ull;
    for (char c : name) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    return h;
  }

  // Under mu_ (or in the constructor): a snapshot of every entry.
  std::unique_ptr<Snapshot> build(std::size_t capacity) const {
    auto s = std::make_unique<Snapshot>();
    s->mask = capacity - 1;
    s->slots.resize(capacity);
    s->order.reserve(entries_.size());
    for (const Entry& e : entries_) {
      const std::uint64_t h = hash(e.name);
      std::size_t i = h & s->mask;
      while (s->slots[i].entry != nullptr) i = (i + 1) & s->mask;
      s->slots[i] = Slot{h, &e};
      s->order.push_back(&e);
    }
    return s;
  }
  void publish(std::unique_ptr<Snapshot> s) {
    current_.store(s.get(), std::memory_order_release);
    snapshots_.push_back(std::move(s));
  }

  std::atomic<const Snapshot*> current_{nullptr};
  std::mutex mu_;
  std::deque<Entry> entries_;                         // stable addresses
  std::vector<std::unique_ptr<Snapshot>> snapshots_;  // every one ever published
};

template <typename T>
class GrowOnlyArray {
 public:
  GrowOnlyArray() = default;
  GrowOnlyArray(const GrowOnlyArray&) = delete;
  GrowOnlyArray& operator=(const GrowOnlyArray&) = delete;

  // Lock-free; null beyond the current size.
  T* find(std::size_t index) const noexcept {
    const Snapshot* s = current_.load(std::memory_order_acquire);
    return s != nullptr && index < s->items.size() ? s->items[index] : nullptr;
  }

  // Element `index`, default-constructing it and every one before it when
  // the array is shorter (under the array's mutex).
  T& get_or_grow(std::size_t index) {
    if (T* found = find(index)) return *found;
    std::lock_guard lock(mu_);
    if (T* found = find(index)) return *found;
    while (owned_.size() <= index) owned_.push_back(std::make_unique<T>());
    auto s = std::make_unique<Snapshot>();
    s->items.reserve(owned_.size());
    for (const auto& item : owned_) s->items.push_back(item.get());
    current_.store(s.get(), std::memory_order_release);
    snapshots_.push_back(std::move(s));
    return *owned_[index];
  }

  // f(index, T&) for every element; lock-free.
  template <typename F>
  void for_each(F&& f) const {
    const Snapshot* s = current_.load(std::memory_order_acquire);
    if (s == nullptr) return;
    for (std::size_t i = 0; i < s->items.size(); ++i) f(i, *s->items[i]);
  }

 private:
  struct Snapshot {
    std::vector<T*> items;
  };
  std::atomic<const Snapshot*> current_{nullptr};
  std::mutex mu_;
  std::vector<std::unique_ptr<T>> owned_;
  std::vector<std::unique_ptr<Snapshot>> snapshots_;
};

}  // namespace kwire::detail
