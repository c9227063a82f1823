// Helpers of the consumer tests: a ConsumerRecord copied out of the views
// (which the next poll invalidates), polling until a count arrived, and the
// consumer properties every test starts from. Tests only.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kwire/consumer.hpp"

namespace kwire::test {

using namespace std::chrono_literals;

struct Copied {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::int64_t timestamp_ms = 0;
  kwire::TimestampType type = kwire::TimestampType::create_time;
  std::optional<std::string> key, value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

inline std::optional<std::string> text(const std::optional<kwire::Bytes>& b) {
  if (!b) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(b->data()), b->size());
}

inline Copied copy(const kwire::ConsumerRecord& r) {
  Copied c{std::string(r.topic), r.partition, r.offset, r.timestamp_ms, r.timestamp_type, text(r.key), text(r.value), {}};
  for (const kwire::Header& h : r.headers) c.headers.emplace_back(std::string(h.key), text(h.value));
  return c;
}

// Polls until `count` records came (or `limit` passed); every poll's
// records are copied before the next poll invalidates them.
inline std::vector<Copied> read(kwire::Consumer& consumer, std::size_t count, std::chrono::milliseconds limit = 20s) {
  std::vector<Copied> out;
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
    const kwire::ConsumerRecords& records = consumer.poll(200ms);
    INFO(records.error_detail());
    REQUIRE(!records.error());
    for (const auto& r : records) out.push_back(copy(r));
  }
  return out;
}

inline kwire::Properties base(const std::string& bootstrap, std::map<std::string, std::string> extra = {}) {
  kwire::Properties p{{"bootstrap.servers", bootstrap}, {"auto.offset.reset", "earliest"}};
  for (auto& [k, v] : extra) p[k] = v;
  return p;
}

}  // namespace kwire::test
