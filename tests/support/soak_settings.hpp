// The knobs every randomized soak test reads: its seed (random, printed so a
// failure can be replayed, or KWIRE_SOAK_SEED) and its length (the test's own
// default, or KWIRE_SOAK_SECONDS).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>

namespace kwire::test {

inline std::uint64_t soak_seed(const char* name) {
  std::uint64_t seed = std::random_device{}();
  if (const char* s = std::getenv("KWIRE_SOAK_SEED")) seed = std::strtoull(s, nullptr, 10);
  std::fprintf(stderr, "%s: seed %llu (replay with KWIRE_SOAK_SEED=%llu)\n", name,
               static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
  return seed;
}

inline std::chrono::seconds soak_duration(std::chrono::seconds fallback) {
  if (const char* s = std::getenv("KWIRE_SOAK_SECONDS")) return std::chrono::seconds(std::strtol(s, nullptr, 10));
  return fallback;
}

}  // namespace kwire::test
