// Checks shared by the sender and fault tests: every report fired exactly
// once; every acknowledged record is in its partition's log exactly once, at
// the offset its report gave; nothing in the log twice; per-partition order
// equals send order.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sender_harness.hpp"

namespace kwire::test {

inline std::string value_of(std::uint64_t id) { return "value-" + std::to_string(id); }
inline std::uint64_t id_of(const std::string& value) { return std::stoull(value.substr(6)); }

struct SentRecord {
  std::string topic;
  std::int32_t partition;
  std::uint64_t id;
};

struct DeliverySummary {
  std::size_t acknowledged = 0;
  std::size_t failed = 0;
  std::string first_error;  // for failure messages
};

inline DeliverySummary check_exactly_once_in_order(SenderHarness& h, const std::vector<SentRecord>& sent) {
  DeliverySummary summary;
  auto reports = h.snapshot();
  std::map<std::pair<std::string, std::int32_t>, std::vector<std::uint64_t>> order;
  for (const auto& s : sent) order[{s.topic, s.partition}].push_back(s.id);
  for (const auto& [key, ids] : order) {
    const auto& log = h.broker.log(key.first, key.second);
    std::set<std::uint64_t> seen;
    std::uint64_t previous = 0;
    bool first = true;
    for (std::size_t i = 0; i < log.size(); ++i) {
      REQUIRE(log[i].value.has_value());
      const std::uint64_t id = id_of(*log[i].value);
      INFO("partition " << key.first << "/" << key.second << " offset " << i << " id " << id);
      CHECK(seen.insert(id).second);  // nothing duplicated
      if (!first) CHECK(id > previous);  // nothing reordered
      previous = id;
      first = false;
      REQUIRE(log[i].key.has_value());
      CHECK(*log[i].key == *log[i].value);
      CHECK(log[i].timestamp == 1000 + static_cast<std::int64_t>(id));
    }
    for (std::uint64_t id : ids) {
      INFO("record " << id);
      const RecordedReport& r = reports.at(id);
      CHECK(r.fired == 1);  // exactly one report
      if (!r.error) {
        ++summary.acknowledged;
        CHECK(seen.count(id) == 1);  // nothing lost
        REQUIRE(r.metadata.offset >= 0);
        REQUIRE(static_cast<std::size_t>(r.metadata.offset) < log.size());
        CHECK(*log[static_cast<std::size_t>(r.metadata.offset)].value == value_of(id));
        CHECK(r.metadata.partition == key.second);
        CHECK(r.metadata.topic == key.first);
        CHECK(r.metadata.user_id == id);
      } else {
        ++summary.failed;
        if (summary.first_error.empty()) summary.first_error = r.error.message();
      }
    }
  }
  CHECK(h.broker.violations.empty());
  return summary;
}

}  // namespace kwire::test
