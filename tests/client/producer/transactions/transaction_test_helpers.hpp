// Helpers shared by the transaction tests: send records whose key names an
// id, count their delivery reports (each must fire exactly once), and read
// the ids back from a partition with librdkafka's consumer (log_reader).
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "delivery_recorder.hpp"
#include "kwire/producer.hpp"
#include "log_reader.hpp"

namespace txn_test {

using namespace std::chrono_literals;

// Sends record `id` (key "id-<n>", value "value-<n>") to topic/partition; its
// report lands in `reports` under `id`.
inline std::error_code send_numbered(kwire::Producer& producer, kwire::test::DeliveryRecorder& reports,
                                     const std::string& topic, std::int32_t partition, std::uint64_t id) {
  const std::string key = "id-" + std::to_string(id);
  const std::string value = "value-" + std::to_string(id);
  kwire::Record r;
  r.topic = topic;
  r.partition = partition;
  r.key = kwire::as_bytes(key);
  r.value = kwire::as_bytes(value);
  r.user_id = id;
  return producer.send(r, reports.handler());
}

// The ids in a partition's log, in offset order.
inline std::vector<std::uint64_t> read_ids(const std::string& bootstrap, const std::string& topic,
                                           std::int32_t partition) {
  auto read = kwire::test::read_partition(bootstrap, topic, partition, 20s);
  INFO("read error: " << read.error);
  REQUIRE(read.error.empty());
  std::vector<std::uint64_t> ids;
  for (const auto& rec : read.records) {
    REQUIRE(rec.key.has_value());
    REQUIRE(rec.key->rfind("id-", 0) == 0);
    ids.push_back(std::stoull(rec.key->substr(3)));
  }
  return ids;
}

inline std::vector<std::uint64_t> range(std::uint64_t first, std::uint64_t last_exclusive, std::uint64_t step = 1) {
  std::vector<std::uint64_t> v;
  for (std::uint64_t i = first; i < last_exclusive; i += step) v.push_back(i);
  return v;
}

}  // namespace txn_test
