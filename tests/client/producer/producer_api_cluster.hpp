// The Producer API tests' in-process cluster: a Producer on the sender
// tests' FakeBroker (topic "t", four partitions led by brokers 0 and 1) and
// record helpers.
#pragma once

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "delivery_recorder.hpp"
#include "fake_broker_producer.hpp"
#include "kwire/errors.hpp"

namespace producer_api {

using namespace std::chrono_literals;
using kwire::detail::ProducerTestAccess;

struct Cluster {
  kwire::test::FakeBroker* broker = nullptr;

  kwire::Producer make(kwire::Properties extra = {}) {
    kwire::Properties props{{"bootstrap.servers", "fake:9092"}, {"linger.ms", "1"}, {"retry.backoff.ms", "1"}};
    for (auto& [k, v] : extra) props[k] = v;
    return kwire::test::make_fake_broker_producer(props, {}, &broker);
  }
};

inline kwire::Record record(const std::string& key, const std::string& value, std::optional<std::int32_t> partition = {}) {
  kwire::Record r;
  r.topic = "t";
  r.partition = partition;
  r.key = kwire::as_bytes(key);
  r.value = kwire::as_bytes(value);
  return r;
}

// A record with static key and value bytes, known by its user id.
inline kwire::Record numbered(std::uint64_t id, std::int32_t partition) {
  kwire::Record r{.topic = "t", .partition = partition, .key = kwire::as_bytes("k"), .value = kwire::as_bytes("v")};
  r.user_id = id;
  return r;
}

}  // namespace producer_api
