// What the consumer group tests against librdkafka's mock share
// (consumer_group_mock_test.cpp, consumer_group_librdkafka_mock_test.cpp):
// a member's properties (a short session: the mock elects the group's leader
// only when its join window ends, about 3 s for a new group,
// session.timeout.ms - 1 s for a rebalance), what its listener heard, what it
// read, and the checks that the members split the partitions and read every
// record once. Tests only.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "consumer_reading.hpp"
#include "kwire/consumer.hpp"
#include "mock_cluster.hpp"
#include "rdkafka_producer.hpp"

namespace kwire::test::consumer_group {

using namespace std::chrono_literals;
using kwire::TopicPartition;

using Read = std::vector<std::pair<std::int32_t, std::int64_t>>;  // (partition, offset)

inline const std::map<std::string, std::string> kGroupTiming{{"session.timeout.ms", "4000"}, {"heartbeat.interval.ms", "300"}};

inline kwire::Properties member_props(const std::string& bootstrap, const std::string& group,
                                      std::map<std::string, std::string> extra = {}) {
  extra["group.id"] = group;
  extra["enable.auto.commit"] = "false";
  for (const auto& [k, v] : kGroupTiming) extra.emplace(k, v);
  return kwire::test::base(bootstrap, std::move(extra));
}

// What a listener heard, in order.
struct Heard {
  std::vector<std::vector<TopicPartition>> assigned, revoked, lost;
  kwire::RebalanceListener listener() {
    return {[this](const std::vector<TopicPartition>& p) { assigned.push_back(p); },
            [this](const std::vector<TopicPartition>& p) { revoked.push_back(p); },
            [this](const std::vector<TopicPartition>& p) { lost.push_back(p); }};
  }
};

inline void poll_into(kwire::Consumer& consumer, Read& out, std::chrono::milliseconds timeout = 100ms) {
  const kwire::ConsumerRecords& records = consumer.poll(timeout);
  INFO(records.error_detail());
  REQUIRE(!records.error());
  for (const kwire::ConsumerRecord& r : records) out.emplace_back(r.partition, r.offset);
}

inline std::set<TopicPartition> as_set(const std::vector<TopicPartition>& v) { return {v.begin(), v.end()}; }

// Both assignments together are every partition of `topic`, and they do not overlap.
inline bool splits(const std::vector<TopicPartition>& a, const std::vector<TopicPartition>& b,
                   const std::string& topic, std::int32_t partitions) {
  if (a.empty() || b.empty()) return false;
  std::set<TopicPartition> all = as_set(a);
  for (const TopicPartition& tp : b)
    if (!all.insert(tp).second) return false;
  std::set<TopicPartition> want;
  for (std::int32_t p = 0; p < partitions; ++p) want.insert({topic, p});
  return all == want;
}

inline void produce_to_every_partition(kwire::test::MockCluster& cluster, const std::string& topic,
                                       std::int32_t partitions, int each) {
  kwire::test::RdkafkaProducer producer(cluster.bootstrap());
  for (std::int32_t p = 0; p < partitions; ++p) producer.write(topic, p, kwire::test::varied_records(each));
}

// Every record of [first, first + each) in every partition read exactly
// once across `reads`, and each reader read only partitions it was assigned.
inline void check_each_once(const std::vector<std::pair<const Read*, std::set<std::int32_t>>>& reads,
                            std::int32_t partitions, std::int64_t first, int each) {
  std::map<std::pair<std::int32_t, std::int64_t>, int> seen;
  for (const auto& [read, owned] : reads)
    for (const auto& [partition, offset] : *read) {
      INFO("partition " << partition << " offset " << offset);
      CHECK(owned.count(partition) == 1);
      ++seen[{partition, offset}];
    }
  for (std::int32_t p = 0; p < partitions; ++p)
    for (std::int64_t o = first; o < first + each; ++o) {
      INFO("partition " << p << " offset " << o);
      CHECK(seen[{p, o}] == 1);
    }
  CHECK(seen.size() == static_cast<std::size_t>(partitions * each));
}

inline std::set<std::int32_t> partitions_of(const std::vector<TopicPartition>& v) {
  std::set<std::int32_t> out;
  for (const TopicPartition& tp : v) out.insert(tp.partition);
  return out;
}

}  // namespace kwire::test::consumer_group
