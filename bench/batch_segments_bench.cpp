// Zero-copy borrowed values: building and closing a record batch of large
// values copied into the batch buffer (what every value did before, and what
// values at or below message.copy.max.bytes still do) against values kept by
// reference (segments: own bytes + spans of caller memory, CRC-32C over the
// segments), for 64 KiB and 1 MiB values, uncompressed and lz4. Prints
// figures (values/s, GB/s of value payload, bytes held in the batch's own
// buffer); asserts nothing. Single thread.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "kwire/protocol/records/batch_builder.hpp"

using namespace kwire::protocol::records;
using kwire::protocol::Bytes;
using kwire::protocol::as_bytes;

namespace {

struct Figures {
  double values_per_s = 0;
  double gb_per_s = 0;
  std::size_t own_bytes = 0;
};

Figures run(std::size_t value_size, std::size_t per_batch, ValuePlacement placement, Codec codec,
            std::chrono::milliseconds duration) {
  using clock = std::chrono::steady_clock;
  std::vector<std::string> values;
  for (std::size_t i = 0; i < per_batch; ++i) {
    std::string v(value_size, '\0');
    for (std::size_t j = 0; j < v.size(); ++j) v[j] = static_cast<char>((j * 31 + i * 7) % 251);
    values.push_back(std::move(v));
  }
  const std::string key = "key-0123456789";
  std::vector<std::uint8_t> pooled;
  std::size_t count = 0, own = 0;
  const std::int64_t ts = 1700000000000;
  const auto start = clock::now();
  const auto end = start + duration;
  while (clock::now() < end) {
    BatchBuilder b(std::move(pooled), per_batch * (value_size + 64) + 4096, ts);
    for (const std::string& v : values) b.append(ts, as_bytes(key), as_bytes(v), {}, placement);
    b.close(codec);
    own = b.batch().size();
    count += per_batch;
    pooled = b.take_buffer();
  }
  const double secs = std::chrono::duration<double>(clock::now() - start).count();
  Figures f;
  f.values_per_s = static_cast<double>(count) / secs;
  f.gb_per_s = static_cast<double>(count * value_size) / secs / 1e9;
  f.own_bytes = own;
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  const auto duration = std::chrono::milliseconds(argc > 1 ? std::atoi(argv[1]) : 1000);
  struct Case {
    std::size_t value_size;
    std::size_t per_batch;
  };
  for (Case c : {Case{64 * 1024, 16}, Case{1 << 20, 4}}) {
    for (Codec codec : {Codec::none, Codec::lz4}) {
      for (ValuePlacement placement : {ValuePlacement::copy, ValuePlacement::reference}) {
        const Figures f = run(c.value_size, c.per_batch, placement, codec, duration);
        std::printf("%7zu B values x%-2zu %-4s %-9s: %9.0f values/s  %6.2f GB/s  own buffer %8zu B\n", c.value_size,
                    c.per_batch, codec == Codec::none ? "none" : "lz4",
                    placement == ValuePlacement::copy ? "copied" : "borrowed", f.values_per_s, f.gb_per_s,
                    f.own_bytes);
      }
    }
  }
  return 0;
}
