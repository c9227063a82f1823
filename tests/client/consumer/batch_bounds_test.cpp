// Where the next Fetch starts, read from batch framing only: complete v2
// batches and legacy messages count, a cut batch does not, and offsets a
// hostile broker makes up (negative, or at the top of the int64 range) stop
// the scan instead of overflowing (found by consumer_fetch_fuzz).
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <vector>

#include "consumer/batch_bounds.hpp"

// Named, not anonymous: test files share unity groups (cmake/KwireUnity.cmake).
namespace batch_bounds_test {

using Bytes = std::vector<std::uint8_t>;

void put_be(Bytes& out, std::uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// Only the framing fields the scan reads; the rest of the batch is zeros.
Bytes v2_batch(std::int64_t base_offset, std::int32_t last_delta, std::int32_t leader_epoch) {
  Bytes b;
  put_be(b, static_cast<std::uint64_t>(base_offset), 8);
  put_be(b, 49, 4);  // length: a header of 61 bytes minus offset and length
  put_be(b, static_cast<std::uint32_t>(leader_epoch), 4);
  b.push_back(2);                                          // magic
  put_be(b, 0, 4);                                         // crc
  put_be(b, 0, 2);                                         // attributes
  put_be(b, static_cast<std::uint32_t>(last_delta), 4);    // last offset delta
  b.resize(61, 0);
  return b;
}

Bytes concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace batch_bounds_test

using namespace batch_bounds_test;
using kwire::detail::offset_after_complete_batches;

TEST_CASE("offset after complete batches: v2 batches and a cut one", "[consumer][fetch]") {
  const Bytes two = concat(v2_batch(10, 4, 3), v2_batch(15, 2, 7));
  std::int32_t epoch = -2;
  CHECK(offset_after_complete_batches(two, &epoch) == 18);
  CHECK(epoch == 7);

  Bytes cut = two;
  cut.resize(two.size() - 1);
  CHECK(offset_after_complete_batches(cut, &epoch) == 15);
  CHECK(epoch == 3);
  CHECK_FALSE(offset_after_complete_batches(Bytes(cut.begin(), cut.begin() + 60)).has_value());
}

TEST_CASE("offset after complete batches: made-up offsets stop the scan", "[consumer][fetch]") {
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  const Bytes good = v2_batch(0, 9, 1);
  // Each hostile batch follows a good one: the good one still counts.
  CHECK(offset_after_complete_batches(concat(good, v2_batch(kMax, 0x7fffffff, 1))) == 10);
  CHECK(offset_after_complete_batches(concat(good, v2_batch(kMax, 0, 1))) == 10);
  CHECK(offset_after_complete_batches(concat(good, v2_batch(-5, 2, 1))) == 10);
  CHECK(offset_after_complete_batches(concat(good, v2_batch(20, -3, 1))) == 10);
  // The highest offset a batch may end at still leaves room for the next.
  CHECK(offset_after_complete_batches(v2_batch(kMax - 3, 1, 1)) == kMax - 1);
}
