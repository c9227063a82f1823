// Record batch building and reading throughput (records/s and MB/s of record
// payload) for 100 B and 1 KiB values, in 16 KiB (batch.size default) and
// 1 MiB batches, uncompressed. Prints figures; asserts nothing.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "kwire/protocol/records/batch_builder.hpp"
#include "kwire/protocol/records/batch_reader.hpp"

using namespace kwire::protocol::records;
using kwire::protocol::Bytes;
using kwire::protocol::as_bytes;

int main() {
  using clock = std::chrono::steady_clock;
  for (std::size_t value_size : {std::size_t{100}, std::size_t{1024}}) {
    for (std::size_t batch_size : {std::size_t{16384}, std::size_t{1 << 20}}) {
      std::string value(value_size, 'v');
      std::string key = "key-0123456789";
      Header hs[] = {{"trace", as_bytes("abcdef")}};
      std::vector<std::uint8_t> pooled;
      std::size_t records = 0, bytes = 0, batches = 0;
      auto start = clock::now();
      auto end = start + std::chrono::seconds(1);
      std::int64_t ts = 1700000000000;
      while (clock::now() < end) {
        for (int rep = 0; rep < 8; ++rep) {
          BatchBuilder b(std::move(pooled), batch_size, ts);
          while (b.append(ts, as_bytes(key), as_bytes(value), hs)) {
            ++records;
            bytes += key.size() + value.size();
          }
          b.close(Codec::none);
          pooled = b.take_buffer();
          ++batches;
        }
      }
      double secs = std::chrono::duration<double>(clock::now() - start).count();
      std::printf("build %5zu B values, %7zu B batches: %6.2f M records/s  %7.1f MB/s  (%zu batches)\n", value_size,
                  batch_size, static_cast<double>(records) / secs / 1e6, static_cast<double>(bytes) / secs / 1e6,
                  batches);

      // Read back the last batch repeatedly (CRC checked).
      BatchBuilder b(std::vector<std::uint8_t>{}, batch_size, ts);
      while (b.append(ts, as_bytes(key), as_bytes(value), hs)) {
      }
      auto batch = b.close(Codec::none);
      records = bytes = 0;
      start = clock::now();
      end = start + std::chrono::seconds(1);
      volatile std::size_t sink = 0;
      while (clock::now() < end) {
        for (int rep = 0; rep < 8; ++rep) {
          BatchReader r(batch);
          while (r.next_batch()) {
            RecordView rec;
            while (r.next_record(rec)) {
              ++records;
              bytes += rec.value->size() + rec.key->size();
              sink = sink + rec.headers.size();
            }
          }
        }
      }
      secs = std::chrono::duration<double>(clock::now() - start).count();
      std::printf("read  %5zu B values, %7zu B batches: %6.2f M records/s  %7.1f MB/s\n", value_size, batch_size,
                  static_cast<double>(records) / secs / 1e6, static_cast<double>(bytes) / secs / 1e6);
    }
  }
}
