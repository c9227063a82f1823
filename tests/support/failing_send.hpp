// One send that must fail, shared by the security tests: returns its single
// report's error after checking that it fired exactly once, soon (the
// security failure ends the wait, not max.block.ms, which would also report a
// metadata timeout instead), and that close() returns.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <mutex>
#include <system_error>
#include <utility>

#include "kwire/producer.hpp"

namespace kwire::test {

inline std::error_code failing_send(kwire::ProducerConfig config) {
  using namespace std::chrono_literals;
  config.max_block = 30s;
  const auto start = std::chrono::steady_clock::now();
  std::mutex mu;
  int fired = 0;
  std::promise<std::error_code> first;
  kwire::Producer producer(std::move(config));
  kwire::Record r;
  r.topic = "refused";
  r.value = kwire::as_bytes("never written");
  producer.async_send(r, [&](std::error_code ec, kwire::RecordMetadata) {
    std::lock_guard lock(mu);
    if (++fired == 1) first.set_value(ec);
  });
  auto result = first.get_future();
  REQUIRE(result.wait_for(40s) == std::future_status::ready);
  producer.close(2s);
  std::lock_guard lock(mu);
  CHECK(fired == 1);
  CHECK(std::chrono::steady_clock::now() - start < 20s);
  return result.get();
}

inline std::error_code failing_send(const kwire::Properties& props) {
  return failing_send(kwire::ProducerConfig::from_properties(props));
}

}  // namespace kwire::test
