// The uniform sticky partitioner on the send path (KIP-794, issue 15): the
// producer counts a sticky partition's bytes in the accumulator, under the
// partition lock the append takes anyway, and moves on once batch.size bytes
// went there. Keyless records from one thread must therefore come in runs:
// each run on one partition, the next run on another, and each finished run
// just long enough to reach batch.size.
#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "fake_broker_producer.hpp"
#include "kwire/producer.hpp"
#include "producer/producer_backend.hpp"
#include "producer/producer_impl.hpp"
#include "sender/sender_fake_broker.hpp"

using namespace std::chrono_literals;

TEST_CASE("sticky partitioner: keyless sends switch partition once batch.size bytes went to one", "[producer]") {
  constexpr int kPartitions = 4;
  constexpr int kRecords = 200;
  constexpr std::size_t kBatchSize = 1000;
  kwire::Properties props{{"bootstrap.servers", "fake:9092"},
                          {"linger.ms", "1"},
                          {"batch.size", std::to_string(kBatchSize)}};
  kwire::Producer producer = kwire::test::make_fake_broker_producer(props, {.partitions = kPartitions});

  std::mutex mu;
  std::vector<std::int32_t> partition_of(kRecords, -1);
  int failed = 0;  // reports run on the io thread: checked here afterwards
  const std::string value(100, 'v');
  for (int i = 0; i < kRecords; ++i) {
    kwire::Record r{.topic = "t", .value = kwire::as_bytes(value), .user_id = static_cast<std::uint64_t>(i)};
    REQUIRE_FALSE(producer.send(r, [&](std::error_code ec, const kwire::RecordMetadata& md) {
      std::lock_guard lock(mu);
      if (ec) ++failed;
      partition_of[md.user_id] = md.partition;
    }));
  }
  REQUIRE_FALSE(producer.flush(10s));

  std::lock_guard lock(mu);
  REQUIRE(failed == 0);
  // Runs of consecutive sends on one partition.
  std::vector<int> runs{1};
  std::set<std::int32_t> used{partition_of[0]};
  for (int i = 1; i < kRecords; ++i) {
    REQUIRE(partition_of[i] >= 0);
    used.insert(partition_of[i]);
    if (partition_of[i] == partition_of[i - 1]) {
      ++runs.back();
    } else {
      runs.push_back(1);
    }
  }
  // A 100 B value encodes to 100-130 bytes: a run reaches 1,000 bytes after
  // 8 to 10 records (the last run may be cut short by the end of the sends).
  CHECK(used.size() > 1);
  REQUIRE(runs.size() > 2);
  for (std::size_t i = 0; i + 1 < runs.size(); ++i) {
    INFO("run " << i << " of " << runs.size());
    CHECK(runs[i] >= 8);
    CHECK(runs[i] <= 10);
  }
}
