// Polynomial arithmetic modulo the CRC-32C polynomial, for combining CRCs of
// adjacent pieces computed independently (the interleaved hardware paths).
// Compile-time only; no state. Representation: bit-reflected, as the CRC
// itself: bit 31-k of a word is the coefficient of x^k (so x^0 is 0x80000000
// and a word shifted right by one is the polynomial times x).
//
// Why combining works: the raw CRC register (no pre/post inversion) of
// A followed by B is crc(A) * x^(8*|B|) + crc0(B) mod P, where crc0 starts
// from 0. So three lanes A, B, C of L bytes each, run independently from
// c, 0, 0, give crc(A B C) = cA * x^(16L) + cB * x^(8L) + cC mod P.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kwire::protocol::records::crc32c_gf2 {

inline constexpr std::uint32_t kPolyReflected = 0x82F63B78u;  // P without its x^32 term

// p * x mod P.
constexpr std::uint32_t times_x(std::uint32_t p) {
  return (p >> 1) ^ ((p & 1u) ? kPolyReflected : 0u);
}

// x^k mod P (k steps; only ever evaluated at compile time).
constexpr std::uint32_t x_pow(std::size_t k) {
  std::uint32_t p = 0x80000000u;
  for (std::size_t i = 0; i < k; ++i) p = times_x(p);
  return p;
}

// a * b mod P, bit by bit (the portable combine; 32 steps).
constexpr std::uint32_t multiply(std::uint32_t a, std::uint32_t b) {
  std::uint32_t product = 0;
  for (int i = 0; i < 32; ++i) {
    if (a & (0x80000000u >> i)) product ^= b;  // a's x^i term contributes b * x^i
    b = times_x(b);
  }
  return product;
}

// Constant K for the carry-less-multiply shift of a register by n bytes:
// clmul(c, K) read as a 64-bit reflected word is c*K*x (the product of two
// reflected 32-bit words lands one bit lower than a 64-bit word's x^63), and
// the crc32 instruction over that word from 0 multiplies by x^32 and reduces:
// c*K*x^33 mod P. With K = x^(8n-33) that is c*x^(8n) mod P.
constexpr std::uint32_t clmul_shift_constant(std::size_t bytes) { return x_pow(8 * bytes - 33); }

}  // namespace kwire::protocol::records::crc32c_gf2
