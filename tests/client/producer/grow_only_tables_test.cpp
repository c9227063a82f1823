// The lock-free tables of the send path (grow_only_tables.hpp): every entry
// added is found, at the same address, for as long as the table lives; names
// that were never added are not; for_each sees entries in the order they were
// added; and readers racing writers that grow the tables (run under
// ThreadSanitizer too: "[threads]") always find what was added before.
#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "producer/grow_only_tables.hpp"

using kwire::detail::GrowOnlyArray;
using kwire::detail::GrowOnlyTopicMap;

namespace {

struct Counter {
  explicit Counter(int v = 0) : value(v) {}
  std::atomic<int> value;
};

std::string name_of(int i) { return "topic-" + std::to_string(i); }

}  // namespace

TEST_CASE("grow-only topic map: entries keep their address, unknown names are not found") {
  GrowOnlyTopicMap<Counter> map;
  CHECK(map.find("a") == nullptr);
  std::vector<Counter*> added;
  for (int i = 0; i < 100; ++i) {  // several rebuilds of the hash table
    Counter& c = map.find_or_add(name_of(i), [i] { return std::make_unique<Counter>(i); });
    added.push_back(&c);
  }
  for (int i = 0; i < 100; ++i) {
    CHECK(map.find(name_of(i)) == added[static_cast<std::size_t>(i)]);
    CHECK(map.find(name_of(i))->value.load() == i);
  }
  // A second add of a known name returns the first entry, make() not called.
  bool made = false;
  Counter& again = map.find_or_add(name_of(7), [&] {
    made = true;
    return std::make_unique<Counter>(-1);
  });
  CHECK(&again == added[7]);
  CHECK_FALSE(made);
  CHECK(map.find("topic-100") == nullptr);
  CHECK(map.find("topic-") == nullptr);
  CHECK(map.find("") == nullptr);
  std::vector<std::string> order;
  map.for_each([&](std::string_view name, Counter&) { order.emplace_back(name); });
  REQUIRE(order.size() == 100);
  for (int i = 0; i < 100; ++i) CHECK(order[static_cast<std::size_t>(i)] == name_of(i));
}

TEST_CASE("grow-only array: growing to an index makes every element before it") {
  GrowOnlyArray<Counter> array;
  CHECK(array.find(0) == nullptr);
  Counter& fifth = array.get_or_grow(4);
  fifth.value = 5;
  for (std::size_t i = 0; i < 5; ++i) CHECK(array.find(i) != nullptr);
  CHECK(array.find(5) == nullptr);
  CHECK(&array.get_or_grow(4) == &fifth);
  Counter& first = *array.find(0);
  array.get_or_grow(40);
  CHECK(array.find(0) == &first);
  CHECK(array.find(4)->value == 5);
  std::size_t seen = 0;
  array.for_each([&](std::size_t i, Counter&) { CHECK(i == seen++); });
  CHECK(seen == 41);
}

TEST_CASE("grow-only tables: readers racing writers find everything added before", "[threads]") {
  GrowOnlyTopicMap<Counter> map;
  GrowOnlyArray<Counter> array;
  constexpr int entries = 400;
  std::atomic<int> published{0};  // entries [0, published) were added
  std::atomic<int> misses{0};
  std::atomic<int> wrong{0};
  std::thread writer([&] {
    for (int i = 0; i < entries; ++i) {
      map.find_or_add(name_of(i), [i] { return std::make_unique<Counter>(i); });
      array.get_or_grow(static_cast<std::size_t>(i)).value.store(i, std::memory_order_release);
      published.store(i + 1, std::memory_order_release);
    }
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      for (int n = published.load(std::memory_order_acquire); n < entries; n = published.load(std::memory_order_acquire)) {
        for (int i = 0; i < n; i += 7) {
          const Counter* c = map.find(name_of(i));
          const Counter* a = array.find(static_cast<std::size_t>(i));
          if (c == nullptr || a == nullptr) {
            misses++;
          } else if (c->value.load() != i || a->value.load(std::memory_order_acquire) != i) {
            wrong++;
          }
        }
        map.for_each([&](std::string_view, Counter&) {});
        array.for_each([&](std::size_t, Counter&) {});
      }
    });
  }
  writer.join();
  for (auto& t : readers) t.join();
  CHECK(misses == 0);
  CHECK(wrong == 0);
  CHECK(map.find(name_of(entries - 1)) != nullptr);
}
