// Runs the real RecordAccumulator and Sender on an io_context thread against
// a FakeBroker, and records every delivery report, for the sender tests.
#pragma once

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "delivery_recorder.hpp"
#include "producer/accumulator/record_accumulator.hpp"
#include "producer/delivery/delivery_report.hpp"
#include "producer/sender/sender.hpp"
#include "sender_fake_broker.hpp"

namespace kwire::test {

struct SenderHarness {
  using Clock = std::chrono::steady_clock;

  explicit SenderHarness(detail::AccumulatorOptions acc_options = small_batches(),
                         detail::SenderOptions sender_options = quick_retries())
      : accumulator(acc_options, dispatcher),
        broker(io.get_executor()),
        sender(io.get_executor(), accumulator, broker, sender_options) {}

  ~SenderHarness() { stop(); }

  static detail::AccumulatorOptions small_batches() {
    detail::AccumulatorOptions o;
    o.batch_size = 512;
    o.linger = std::chrono::milliseconds(1);
    o.delivery_timeout = std::chrono::seconds(30);
    return o;
  }
  static detail::SenderOptions quick_retries() {
    detail::SenderOptions o;
    o.retry.backoff = std::chrono::milliseconds(1);
    o.retry.backoff_max = std::chrono::milliseconds(10);
    return o;
  }

  void start() {
    sender.start();
    thread = std::thread([this] { io.run(); });
  }

  // Runs `f` on the io thread and waits for it (the broker lives there).
  template <typename F>
  void on_io(F&& f) {
    std::promise<void> done;
    asio::post(io, [&] {
      f();
      done.set_value();
    });
    done.get_future().wait();
  }

  // Appends one record whose value is `value`; the report lands in reports[id].
  std::error_code send(const std::string& topic, std::int32_t partition, const std::string& value, std::uint64_t id) {
    detail::DeliveryEntry entry;
    entry.user_id = id;
    entry.handler = reports.handler();
    reports.expect(id);  // present from now on, fired = 0
    auto key = protocol::as_bytes(value);
    auto result = accumulator.append(topic, partition, 1000 + static_cast<std::int64_t>(id), key, key, {}, entry,
                                     Clock::now() + std::chrono::seconds(5));
    return result.error;
  }

  // Closes like Producer::close(timeout); returns how long it took.
  std::chrono::milliseconds close(std::chrono::milliseconds timeout) {
    const auto start = Clock::now();
    accumulator.close();
    sender.initiate_close(start + timeout);
    closed = sender.wait_closed(start + timeout + std::chrono::seconds(5));
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    stop();
    return took;
  }

  void stop() {
    if (thread.joinable()) {
      io.stop();
      thread.join();
    }
  }

  std::map<std::uint64_t, RecordedReport> snapshot() const { return reports.snapshot(); }

  // Declaration order matters for destruction: reports outlive the
  // accumulator (which reports leftovers), the accumulator outlives the
  // io_context (whose unfinished coroutines may still own batches).
  DeliveryRecorder reports;
  detail::DeliveryDispatcher dispatcher{false};
  detail::RecordAccumulator accumulator;
  asio::io_context io;
  FakeBroker broker;
  detail::Sender sender;
  std::thread thread;
  bool closed = false;
};

}  // namespace kwire::test
