// The builder encodes records with no heap allocation of its own (given a
// lent buffer with room), and the reader walks an uncompressed batch with
// none at all. Allocations are counted through the sanitizer allocator hooks
// under AddressSanitizer (which owns operator new there), otherwise by a
// pass-through replacement of the global operator new; counting is on only
// while a test asks for it.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "kwire/protocol/records/batch_builder.hpp"
#include "kwire/protocol/records/batch_reader.hpp"

namespace {
std::atomic<bool> counting{false};
std::atomic<std::size_t> allocations{0};
}  // namespace

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KWIRE_TEST_UNDER_ASAN 1  // clang's spelling of GCC's __SANITIZE_ADDRESS__
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(KWIRE_TEST_UNDER_ASAN)
extern "C" int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void*, std::size_t),
                                                         void (*free_hook)(const volatile void*));
namespace {
void count_malloc(const volatile void*, std::size_t) {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
}
void ignore_free(const volatile void*) {}
[[maybe_unused]] const int hooks_installed = __sanitizer_install_malloc_and_free_hooks(&count_malloc, &ignore_free);
}  // namespace
#else
void* operator new(std::size_t n) {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#endif

using kwire::protocol::as_bytes;
using namespace kwire::protocol::records;

TEST_CASE("appending and reading records allocates nothing", "[records][alloc]") {
  // The counter itself works: a deliberate allocation is seen.
  allocations = 0;
  counting = true;
  auto* probe = new std::string(100, 'x');
  counting = false;
  delete probe;
  REQUIRE(allocations >= 1);

  std::vector<std::uint8_t> lent;
  lent.reserve(1 << 20);
  BatchBuilder b(std::move(lent), 1 << 20, 1000);
  std::string value(100, 'v');
  Header hs[] = {{"trace", as_bytes("abc")}, {"n", std::nullopt}};
  allocations = 0;
  counting = true;
  int n = 0;
  for (; n < 2000; ++n)
    if (!b.append(1000 + n, as_bytes("key"), as_bytes(value), hs)) break;
  counting = false;
  CHECK(n == 2000);
  CHECK(allocations == 0);

  auto batch = b.close();
  REQUIRE_FALSE(batch.empty());
  allocations = 0;
  counting = true;
  BatchReader r(batch);
  int read = 0;
  std::size_t header_bytes = 0;
  while (r.next_batch()) {
    RecordView rec;
    while (r.next_record(rec)) {
      ++read;
      for (const Header& h : rec.headers) header_bytes += h.key.size();
    }
  }
  counting = false;
  CHECK(read == n);
  CHECK(header_bytes == static_cast<std::size_t>(n) * 6);
  CHECK(allocations == 0);
}
