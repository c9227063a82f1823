// The bytes of a misbehaving broker, made from the real Produce response
// (see HostileResponse in txn_broker_faults.hpp). The request behind it was
// handled normally, so whatever the client makes of these bytes, its
// batches may be in the log. Io thread only.
#include <random>

#include "txn_broker_handlers.hpp"

namespace kwire::test::txn {

Reply hostile_reply(const RequestContext& ctx, Reply real, HostileResponse kind) {
  constexpr std::size_t kPrefix = 4, kCorrelation = 4;
  std::vector<std::uint8_t>& f = real.frame;
  if (f.size() < kPrefix + kCorrelation) return real;
  switch (kind) {
    case HostileResponse::wrong_correlation_id: {
      // Well-formed, but answering a request that was never sent.
      const auto wrong = static_cast<std::uint32_t>(ctx.correlation_id) ^ 0x40000000u;
      for (int i = 0; i < 4; ++i) f[kPrefix + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(wrong >> (24 - 8 * i));
      return real;
    }
    case HostileResponse::giant_length:
      // 2 GiB - 1 announced, 16 bytes sent, the socket left open.
      f.assign({0x7f, 0xff, 0xff, 0xff});
      f.resize(20, 0);
      return real;
    case HostileResponse::half_frame_then_fin:
      f.resize(f.size() / 2);
      real.close_after = true;
      return real;
    case HostileResponse::garbage: {
      // Length and response header right (a flexible header's empty tagged
      // fields included); the body pseudo-random (fixed seed), starting with
      // an array count far beyond the bytes that follow.
      const std::size_t body =
          kPrefix + kCorrelation + (kwire::protocol::response_header_version(ctx.api_key, ctx.version) >= 1 ? 1 : 0);
      std::mt19937 rng(0x6b776972);
      for (std::size_t i = body; i < f.size(); ++i) f[i] = static_cast<std::uint8_t>(rng());
      if (f.size() >= body + 5) {
        const std::uint8_t huge[5] = {0x7f, 0xff, 0xff, 0xff, 0x07};  // an i32 or a uvarint count
        for (std::size_t i = 0; i < 5; ++i) f[body + i] = huge[i];
      }
      return real;
    }
  }
  return real;
}

}  // namespace kwire::test::txn
