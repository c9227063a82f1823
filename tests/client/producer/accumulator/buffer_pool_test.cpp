// buffer.memory accounting: exact reservations, non-blocking queue-full,
// blocking up to a deadline, waking when memory comes back, close.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "kwire/errors.hpp"
#include "producer/accumulator/buffer_pool.hpp"

using kwire::detail::BufferPool;
using Clock = std::chrono::steady_clock;

TEST_CASE("buffer pool: reservations are exact and released bytes come back") {
  BufferPool pool(1000, 100);
  auto far = Clock::now() + std::chrono::seconds(10);
  REQUIRE_FALSE(pool.reserve(300, false, far));
  REQUIRE_FALSE(pool.reserve(700, false, far));
  CHECK(pool.available() == 0);
  CHECK(pool.reserve(1, false, far) == kwire::errc::queue_full);
  pool.release(300);
  CHECK(pool.available() == 300);
  CHECK_FALSE(pool.reserve(300, false, far));
  pool.release(1000);
  CHECK(pool.available() == 1000);
}

TEST_CASE("buffer pool: more than the whole pool is record_too_large at once") {
  BufferPool pool(1000, 100);
  CHECK(pool.reserve(1001, true, Clock::now() + std::chrono::hours(1)) == kwire::errc::record_too_large);
}

TEST_CASE("buffer pool: blocking reserve times out with a clear error") {
  BufferPool pool(100, 100);
  REQUIRE_FALSE(pool.reserve(100, true, Clock::now()));
  auto start = Clock::now();
  auto ec = pool.reserve(10, true, start + std::chrono::milliseconds(50));
  CHECK(ec == kwire::errc::buffer_exhausted_timeout);
  CHECK(Clock::now() - start >= std::chrono::milliseconds(50));
  CHECK(pool.available() == 0);
}

TEST_CASE("buffer pool: a blocked reserve proceeds when memory is released") {
  BufferPool pool(100, 100);
  REQUIRE_FALSE(pool.reserve(100, true, Clock::now()));
  std::atomic<bool> got{false};
  std::error_code result;
  std::thread waiter([&] {
    result = pool.reserve(60, true, Clock::now() + std::chrono::seconds(30));
    got = true;
  });
  while (pool.waiters() == 0) std::this_thread::yield();
  CHECK_FALSE(got.load());
  pool.release(100);
  waiter.join();
  CHECK_FALSE(result);
  CHECK(pool.available() == 40);
}

TEST_CASE("buffer pool: close wakes waiters with producer_closed") {
  BufferPool pool(100, 100);
  REQUIRE_FALSE(pool.reserve(100, true, Clock::now()));
  std::error_code result;
  std::thread waiter([&] { result = pool.reserve(10, true, Clock::now() + std::chrono::seconds(30)); });
  while (pool.waiters() == 0) std::this_thread::yield();
  pool.close();
  waiter.join();
  CHECK(result == kwire::errc::producer_closed);
}

TEST_CASE("buffer pool: pooled buffers are reused and never exceed what is unreserved") {
  BufferPool pool(300, 100);
  auto far = Clock::now() + std::chrono::seconds(1);
  REQUIRE_FALSE(pool.reserve(100, false, far));
  auto buf = pool.take_buffer(100);
  CHECK(buf.capacity() >= 100);
  buf.resize(50);
  const auto* data = buf.data();
  buf.shrink_to_fit();  // capacity no longer the pooled size: not kept
  pool.release(100);
  pool.recycle(std::move(buf));
  REQUIRE_FALSE(pool.reserve(100, false, far));
  auto again = pool.take_buffer(100);
  CHECK(again.empty());
  again.reserve(0);
  (void)data;
  // A pooled-size vector is kept and handed out again.
  auto exact = std::vector<std::uint8_t>();
  exact.reserve(100);
  if (exact.capacity() == 100) {
    const auto* p = exact.data();
    pool.release(100);
    pool.recycle(std::move(exact));
    REQUIRE_FALSE(pool.reserve(100, false, far));
    auto reused = pool.take_buffer(100);
    CHECK(reused.data() == p);
    CHECK(reused.empty());
  }
}
