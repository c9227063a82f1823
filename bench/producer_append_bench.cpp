// The producer's hot path: records/s appended into the RecordAccumulator
// (100 B values, 16-byte keys, batch.size 16 KiB, 32 MiB buffer.memory), with
// 1 and 2 appending threads and one thread standing in for the sender that
// drains and completes batches (so memory is recycled as in real use).
// Usage: producer_append_bench [records_per_thread]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "producer/accumulator/record_accumulator.hpp"
#include "producer/delivery/delivery_report.hpp"

using namespace kwire::detail;
using Clock = std::chrono::steady_clock;

namespace {

double run(int appenders, long per_thread, bool with_handler) {
  DeliveryDispatcher dispatcher(false);
  AccumulatorOptions o;
  o.batch_size = 16384;
  o.linger = std::chrono::milliseconds(5);
  o.buffer_memory = 32 * 1024 * 1024;
  RecordAccumulator acc(o, dispatcher);
  std::atomic<bool> stop{false};
  std::atomic<long> delivered{0};
  auto leader = [](std::string_view, std::int32_t p) { return std::optional<std::int32_t>(p % 3); };
  std::thread sender([&] {
    while (!stop.load(std::memory_order_acquire) || acc.has_queued()) {
      auto now = Clock::now();
      auto r = acc.ready(leader, now);
      auto d = acc.drain(leader, r.ready_nodes, 1 << 20, {}, now);
      for (auto& [node, batches] : d)
        for (auto& b : batches) b->complete(0, -1, {});
      if (d.empty()) std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  const std::string value(100, 'v');
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < appenders; ++t) {
    threads.emplace_back([&, t] {
      char key[32];
      for (long i = 0; i < per_thread; ++i) {
        std::snprintf(key, sizeof key, "key-%011ld", i);
        DeliveryEntry e;
        if (with_handler) e.handler = [&delivered](std::error_code, kwire::RecordMetadata) { delivered++; };
        auto res = acc.append("bench", static_cast<std::int32_t>((i / 100 + t) % 12), 1'700'000'000'000 + i,
                              kwire::protocol::Bytes(reinterpret_cast<const std::uint8_t*>(key), 15),
                              kwire::as_bytes(value), {}, e, Clock::now() + std::chrono::seconds(60));
        if (res.error) std::abort();
      }
    });
  }
  for (auto& th : threads) th.join();
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  acc.close();
  stop = true;
  sender.join();
  return static_cast<double>(per_thread) * appenders / secs;
}

}  // namespace

int main(int argc, char** argv) {
  long n = argc > 1 ? std::atol(argv[1]) : 2'000'000;
  for (bool handler : {false, true}) {
    for (int threads : {1, 2}) {
      double rate = run(threads, n, handler);
      std::printf("append 100 B values, %d thread(s)%s: %.2f M records/s (%.0f MB/s of values)\n", threads,
                  handler ? ", with a delivery callback per record" : "", rate / 1e6, rate * 100 / 1e6);
    }
  }
}
