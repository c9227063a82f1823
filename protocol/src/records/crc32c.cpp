// CRC-32C: table-driven portable code plus hardware paths picked at run time.
// The hardware paths run three independent crc32 chains over thirds of each
// block (the instruction has a latency of three cycles but issues one per
// cycle) and combine them with crc32c_gf2.hpp's shifts. Thread-safe.
#include "kwire/protocol/records/crc32c.hpp"

#include "crc32c_gf2.hpp"

#include <array>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <nmmintrin.h>
#include <wmmintrin.h>
#define KWIRE_CRC32C_X86 1
#elif defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_CRC32
#define HWCAP_CRC32 (1 << 7)
#endif
#define KWIRE_CRC32C_ARM 1
#endif

namespace kwire::protocol::records {
namespace {

constexpr std::uint32_t kPoly = 0x82F63B78u;  // Castagnoli, bit-reflected

using Tables = std::array<std::array<std::uint32_t, 256>, 8>;

constexpr Tables make_tables() {
  Tables t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
    t[0][i] = c;
  }
  for (std::uint32_t i = 0; i < 256; ++i)
    for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
  return t;
}
constexpr Tables kTables = make_tables();

std::uint64_t load_le64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

std::uint32_t portable(const std::uint8_t* p, std::size_t n, std::uint32_t crc) {
  while (n >= 8) {
    std::uint64_t v = load_le64(p) ^ crc;
    crc = kTables[7][v & 0xff] ^ kTables[6][(v >> 8) & 0xff] ^ kTables[5][(v >> 16) & 0xff] ^
          kTables[4][(v >> 24) & 0xff] ^ kTables[3][(v >> 32) & 0xff] ^ kTables[2][(v >> 40) & 0xff] ^
          kTables[1][(v >> 48) & 0xff] ^ kTables[0][v >> 56];
    p += 8;
    n -= 8;
  }
  while (n--) crc = (crc >> 8) ^ kTables[0][(crc ^ *p++) & 0xff];
  return crc;
}


// The shift arithmetic checked where it is cheap to: x^a * x^b = x^(a+b), and
// shifting a register by 8 zero bytes is what the table code does to it.
static_assert(crc32c_gf2::multiply(crc32c_gf2::x_pow(40), crc32c_gf2::x_pow(100)) == crc32c_gf2::x_pow(140));
static_assert(crc32c_gf2::multiply(0x12345678u, crc32c_gf2::x_pow(64)) ==
              [] {
                std::uint32_t c = 0x12345678u;
                for (int i = 0; i < 64; ++i) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
                return c;
              }());

#if KWIRE_CRC32C_X86
// One chain, 8 bytes per instruction; the tail of every other x86 path.
__attribute__((target("sse4.2"))) std::uint32_t hardware(const std::uint8_t* p, std::size_t n, std::uint32_t crc) {
#if defined(__x86_64__)
  std::uint64_t c = crc;
  while (n >= 8) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);  // x86 is little-endian, as the instruction expects
    c = _mm_crc32_u64(c, v);
    p += 8;
    n -= 8;
  }
  crc = static_cast<std::uint32_t>(c);
#endif
  while (n--) crc = _mm_crc32_u8(crc, *p++);
  return crc;
}
bool hardware_available() { return __builtin_cpu_supports("sse4.2"); }
constexpr std::string_view kHardwareName = "sse4.2";

#if defined(__x86_64__)
// Lane lengths for the interleaved rounds, longest first: a round covers
// three lanes. Short lanes keep small batches (one 1 KiB record) interleaved;
// long ones amortise the combine.
constexpr std::size_t kLanes[] = {4096, 512, 64};

struct ClmulShift {
  std::uint64_t by_two_lanes;  // shifts a register over 2L bytes
  std::uint64_t by_one_lane;   // over L bytes
};
template <std::size_t L>
constexpr ClmulShift kShift{crc32c_gf2::clmul_shift_constant(2 * L), crc32c_gf2::clmul_shift_constant(L)};

// Rounds of three L-byte lanes while at least 3L bytes remain.
template <std::size_t L>
__attribute__((target("sse4.2,pclmul"), always_inline)) inline std::uint64_t
three_lanes(const std::uint8_t*& p, std::size_t& n, std::uint64_t c0) {
  constexpr ClmulShift k = kShift<L>;
  while (n >= 3 * L) {
    std::uint64_t c1 = 0, c2 = 0;
    for (std::size_t i = 0; i < L; i += 8) {
      std::uint64_t a, b, c;
      std::memcpy(&a, p + i, 8);
      std::memcpy(&b, p + L + i, 8);
      std::memcpy(&c, p + 2 * L + i, 8);
      c0 = _mm_crc32_u64(c0, a);
      c1 = _mm_crc32_u64(c1, b);
      c2 = _mm_crc32_u64(c2, c);
    }
    // c0 * x^(16L) + c1 * x^(8L): both products reduced by one crc32 from 0.
    __m128i shifted = _mm_xor_si128(_mm_clmulepi64_si128(_mm_cvtsi64_si128(static_cast<long long>(c0)),
                                                         _mm_cvtsi64_si128(static_cast<long long>(k.by_two_lanes)), 0),
                                    _mm_clmulepi64_si128(_mm_cvtsi64_si128(static_cast<long long>(c1)),
                                                         _mm_cvtsi64_si128(static_cast<long long>(k.by_one_lane)), 0));
    c0 = _mm_crc32_u64(0, static_cast<std::uint64_t>(_mm_cvtsi128_si64(shifted))) ^ c2;
    p += 3 * L;
    n -= 3 * L;
  }
  return c0;
}

__attribute__((target("sse4.2,pclmul"))) std::uint32_t interleaved(const std::uint8_t* p, std::size_t n,
                                                                   std::uint32_t crc) {
  static_assert(kLanes[0] == 4096 && kLanes[1] == 512 && kLanes[2] == 64);
  std::uint64_t c = crc;
  c = three_lanes<4096>(p, n, c);
  c = three_lanes<512>(p, n, c);
  c = three_lanes<64>(p, n, c);
  return hardware(p, n, static_cast<std::uint32_t>(c));
}
bool interleaved_available() { return hardware_available() && __builtin_cpu_supports("pclmul"); }
constexpr std::string_view kInterleavedName = "sse4.2+pclmul";
#endif
#elif KWIRE_CRC32C_ARM
// Inline assembly rather than <arm_acle.h>: the intrinsics exist only when the
// whole build targets ARMv8 CRC, and we decide at run time instead.
std::uint32_t hardware(const std::uint8_t* p, std::size_t n, std::uint32_t crc) {
  while (n >= 8) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    __asm__(".arch_extension crc\n\tcrc32cx %w0, %w0, %x1" : "+r"(crc) : "r"(v));
    p += 8;
    n -= 8;
  }
  while (n--) {
    std::uint32_t b = *p++;
    __asm__(".arch_extension crc\n\tcrc32cb %w0, %w0, %w1" : "+r"(crc) : "r"(b));
  }
  return crc;
}
bool hardware_available() { return (getauxval(AT_HWCAP) & HWCAP_CRC32) != 0; }
constexpr std::string_view kHardwareName = "armv8-crc";
#endif

using Impl = std::uint32_t (*)(const std::uint8_t*, std::size_t, std::uint32_t);

struct Choice {
  Impl fn;
  std::string_view name;
};

Choice choose() {
#if KWIRE_CRC32C_X86 && defined(__x86_64__)
  if (interleaved_available()) return {&interleaved, kInterleavedName};
#endif
#if KWIRE_CRC32C_X86 || KWIRE_CRC32C_ARM
  if (hardware_available()) return {&hardware, kHardwareName};
#endif
  return {&portable, "portable"};
}

const Choice& chosen() {
  static const Choice c = choose();
  return c;
}

}  // namespace

std::uint32_t crc32c(Bytes data, std::uint32_t init) noexcept {
  return ~chosen().fn(data.data(), data.size(), ~init);
}

std::uint32_t crc32c_portable(Bytes data, std::uint32_t init) noexcept {
  return ~portable(data.data(), data.size(), ~init);
}

std::string_view crc32c_implementation() noexcept { return chosen().name; }

}  // namespace kwire::protocol::records
