// What the consumer's thread tests share (consumer_threads_test.cpp,
// consumer_async_poll_threads_test.cpp, consumer_group_threads_test.cpp):
// records whose value names their partition and offset, written by a kwire
// producer on a thread of its own into a TxnBroker while the test reads, and
// the small fetches (max.partition.fetch.bytes) and small prefetch bound
// (fetch.buffer.bytes) that make the io thread stop and be woken by the
// polling thread's releases many times over. Tests only.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "consumer_reading.hpp"
#include "kwire/consumer.hpp"
#include "kwire/producer.hpp"
#include "txn_broker.hpp"

namespace kwire::test::consumer_threads {

using namespace std::chrono_literals;

constexpr int kPartitions = 3;

inline std::string value_of(std::int32_t partition, std::int64_t offset) {
  return "p" + std::to_string(partition) + "-" + std::to_string(offset);
}

// Writes `count` records to each partition, in order, so a record's value
// names its offset (the first being `first`); on the calling thread (the test starts it on its own).
inline void write_records_from(const std::string& bootstrap, const std::string& topic, int first, int count,
                               std::atomic<int>& failed) {
  kwire::Producer producer({{"bootstrap.servers", bootstrap}, {"linger.ms", "1"}, {"batch.size", "2048"}});
  for (int i = first; i < first + count; ++i) {
    for (std::int32_t p = 0; p < kPartitions; ++p) {
      const std::string value = value_of(p, i);
      kwire::Record r;
      r.topic = topic;
      r.partition = p;
      r.value = kwire::Bytes(reinterpret_cast<const std::uint8_t*>(value.data()), value.size());
      if (producer.send(r, [&failed](std::error_code ec, const kwire::RecordMetadata&) {
            if (ec) failed.fetch_add(1);
          }))
        failed.fetch_add(1);
    }
  }
  if (producer.flush(60s)) failed.fetch_add(1);
}

inline void write_records(const std::string& bootstrap, const std::string& topic, int count,
                          std::atomic<int>& failed) {
  write_records_from(bootstrap, topic, 0, count, failed);
}

inline kwire::Properties small_fetches(const std::string& bootstrap, const std::string& group) {
  return kwire::test::base(bootstrap, {{"group.id", group},
                                       {"max.poll.records", "37"},
                                       {"max.partition.fetch.bytes", "1500"},
                                       {"fetch.max.bytes", "4000"},
                                       {"fetch.buffer.bytes", "6000"},
                                       {"fetch.max.wait.ms", "20"}});
}

inline std::vector<kwire::TopicPartition> all_partitions(const std::string& topic) {
  std::vector<kwire::TopicPartition> out;
  for (std::int32_t p = 0; p < kPartitions; ++p) out.push_back({topic, p});
  return out;
}

// A TxnBroker holding `topic` (kPartitions partitions), which a kwire
// producer on a thread of its own fills with `per_partition` records a
// partition (write_records) while the test reads.
class WrittenTopic {
 public:
  WrittenTopic(const std::string& topic, int per_partition) {
    broker.create_topic(topic, kPartitions);
    writer_ = std::thread(write_records, broker.bootstrap(), topic, per_partition, std::ref(failures_));
  }
  ~WrittenTopic() {
    if (writer_.joinable()) writer_.join();
  }
  WrittenTopic(const WrittenTopic&) = delete;
  WrittenTopic& operator=(const WrittenTopic&) = delete;

  // Waits for the writer; how many records it failed to write.
  int finish() {
    writer_.join();
    return failures_.load();
  }

  kwire::test::TxnBroker broker;

 private:
  std::atomic<int> failures_{0};
  std::thread writer_;
};

}  // namespace kwire::test::consumer_threads
