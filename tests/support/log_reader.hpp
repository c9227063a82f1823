// Reads back a topic-partition from a cluster (the mock, in tests) with
// librdkafka's C consumer, in-process, from the first offset to the end, so
// tests can check what kwire wrote: offsets, keys, values, headers,
// timestamps. Tests only; blocking; any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kwire::test {

struct LoggedRecord {
  std::int64_t offset = -1;
  std::int64_t timestamp_ms = -1;
  bool log_append_time = false;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

struct ReadResult {
  std::vector<LoggedRecord> records;
  std::string error;  // empty when the end of the partition was reached
};

// Every record of `topic`/`partition`, up to the end of the log as it is when
// the read starts, or until `timeout`. Uses librdkafka's default isolation
// level (read_committed).
ReadResult read_partition(const std::string& bootstrap, const std::string& topic, std::int32_t partition,
                          std::chrono::milliseconds timeout = std::chrono::seconds(30));

// The same with an explicit isolation.level: read_committed stops at the last
// stable offset and skips aborted transactions (librdkafka does the
// filtering, from the broker's control batches and aborted-transaction list);
// read_uncommitted returns every data record up to the high watermark.
enum class Isolation { read_uncommitted, read_committed };
ReadResult read_partition(const std::string& bootstrap, const std::string& topic, std::int32_t partition,
                          Isolation isolation, std::chrono::milliseconds timeout = std::chrono::seconds(30));
// Partitions 0..partitions-1 through one consumer (faster than one each);
// results indexed by partition.
std::vector<ReadResult> read_partitions(const std::string& bootstrap, const std::string& topic, int partitions,
                                        Isolation isolation, std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace kwire::test
