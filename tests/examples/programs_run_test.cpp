// The example programs (examples/programs), each run as its own process
// against librdkafka's mock cluster; what they wrote is read back with
// librdkafka and checked against what each program says it did.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "kwire/partitioner.hpp"
#include "kwire/producer.hpp"
#include "kwire/record.hpp"
#include "log_reader.hpp"
#include "mock_cluster.hpp"

namespace {

struct Run {
  int exit_code = -1;
  std::string out;
};

// Runs examples/programs/NAME.cpp's executable with the given arguments.
Run run_example(const std::string& name, const std::string& bootstrap, const std::string& topic) {
  const std::string command =
      std::string(KWIRE_EXAMPLES_BIN_DIR) + "/kwire_example_" + name + " " + bootstrap + " " + topic + " 2>&1";
  Run run;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return run;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) run.out.append(buffer, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("example keyed_partitioner puts vip keys on partition 0, others by murmur2", "[examples][mock]") {
  kwire::test::MockCluster cluster(1, {{"orders", 4}});
  Run run = run_example("keyed_partitioner", cluster.bootstrap(), "orders");
  INFO(run.out);
  REQUIRE(run.exit_code == 0);
  auto zero = kwire::test::read_partition(cluster.bootstrap(), "orders", 0);
  REQUIRE(zero.error.empty());
  std::set<std::string> keys_on_zero;
  for (const auto& r : zero.records) keys_on_zero.insert(r.key.value_or(""));
  for (const char* vip : {"vip-anna", "vip-carl", "vip-fay"}) {
    INFO(vip);
    CHECK(keys_on_zero.count(vip) == 1);
  }
  // The others where Java's (and kwire's default) partitioner puts them.
  for (const char* key : {"bob", "dora", "emil"}) {
    const int p = kwire::murmur2_partition(kwire::as_bytes(key), 4);
    INFO(key << " expected on partition " << p);
    CHECK(contains(run.out, std::string(key) + " -> partition " + std::to_string(p) + " "));
  }
}

// Runs the example against a one-partition topic, checks it exits 0 saying
// `says`, and returns what librdkafka reads back from the partition.
kwire::test::ReadResult run_on_one_partition(const std::string& name, const std::string& topic,
                                             const std::string& says) {
  kwire::test::MockCluster cluster(1, {{topic, 1}});
  Run run = run_example(name, cluster.bootstrap(), topic);
  UNSCOPED_INFO(run.out);
  REQUIRE(run.exit_code == 0);
  CHECK(contains(run.out, says));
  auto read = kwire::test::read_partition(cluster.bootstrap(), topic, 0);
  REQUIRE(read.error.empty());
  return read;
}

TEST_CASE("example coroutine_producer awaits five reports", "[examples][mock]") {
  auto read = run_on_one_partition("coroutine_producer", "awaited", "awaited 4 at offset 4");
  CHECK(read.records.size() == 5);
}

TEST_CASE("example game_loop reports every frame on its own thread", "[examples][mock]") {
  auto read = run_on_one_partition("game_loop", "frames", "frames 120, sent 120, delivered 120, dropped 0");
  CHECK(read.records.size() == 120);
}

TEST_CASE("example batch_producer sends one batch of 100 records", "[examples][mock]") {
  auto read = run_on_one_partition("batch_producer", "batched", "100 records at offsets 0..99 of batched-0");
  REQUIRE(read.records.size() == 100);
  CHECK(read.records[42].key == "sensor-2");
  CHECK(read.records[42].value == "reading 42");
}

TEST_CASE("example hello_producer delivers ten records", "[examples][mock]") {
  auto read = run_on_one_partition("hello_producer", "hello", "delivered 10 records to hello");
  REQUIRE(read.records.size() == 10);
  CHECK(read.records[0].value == "hello 0");
  CHECK(read.records[9].value == "hello 9");
}

TEST_CASE("example consume_transform_produce upper-cases a topic, one transaction per poll with its offsets",
          "[examples][mock][txn]") {
  // Three brokers: the group's and the transaction's coordinators may differ.
  kwire::test::MockCluster cluster(3, {{"words", 2, 1}, {"words.upper", 2, 1}});
  {
    kwire::Producer producer({{"bootstrap.servers", cluster.bootstrap()}});
    for (int i = 0; i < 30; ++i) {
      const std::string value = "word " + std::to_string(i);
      const kwire::Record r{.topic = "words", .partition = i % 2, .value = kwire::as_bytes(value)};
      REQUIRE_FALSE(producer.send(r, [](std::error_code, const kwire::RecordMetadata&) {}));
    }
    REQUIRE_FALSE(producer.flush(std::chrono::seconds(10)));
  }
  Run run = run_example("consume_transform_produce", cluster.bootstrap(), "words");
  INFO(run.out);
  REQUIRE(run.exit_code == 0);
  CHECK(contains(run.out, "transformed 30 records from words to words.upper"));
  // What a read_committed reader sees: values upper-cased, none twice.
  for (std::int32_t p = 0; p < 2; ++p) {
    auto read = kwire::test::read_partition(cluster.bootstrap(), "words.upper", p);
    REQUIRE(read.error.empty());
    std::set<std::string> values;
    for (const auto& r : read.records) values.insert(r.value.value_or(""));
    CHECK(values.size() == read.records.size());
    CHECK(values.size() <= 30);
    for (const auto& v : values) CHECK(v.rfind("WORD ", 0) == 0);
  }
  std::size_t total = 0;
  for (std::int32_t p = 0; p < 2; ++p) total += kwire::test::read_partition(cluster.bootstrap(), "words.upper", p).records.size();
  CHECK(total == 30);
  // Every transaction, offsets included, committed at the first try: 30
  // records, none aborted and sent again. The group's offsets themselves are
  // not read back: librdkafka's mock answers TxnOffsetCommit without storing
  // them (a kwire Consumer of the group finds none committed afterwards).
  CHECK_FALSE(contains(run.out, "transaction failed"));
}
