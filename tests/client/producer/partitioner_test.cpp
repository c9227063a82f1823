// Partitioners: murmur2 exactly as the Java client (expected values computed
// at test time by an independent implementation: kafka-python's murmur2, run
// with /usr/bin/python3), the uniform sticky partitioner (KIP-794), and a
// user-supplied partitioner.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "kwire/partitioner.hpp"
#include "producer/partitioner.hpp"

namespace {

// Runs kafka-python's murmur2 over hex-encoded keys; one signed int per line.
std::vector<std::int64_t> python_murmur2(const std::vector<std::string>& keys) {
  std::string script =
      "import sys\nfrom kafka.partitioner.default import murmur2\n"
      "for line in sys.stdin.read().split():\n"
      "    h = murmur2(bytes.fromhex(line[1:]))\n"
      "    print(h - (1 << 32) if h >= (1 << 31) else h)\n";
  std::string path = "/tmp/kwire_murmur2_" + std::to_string(::getpid()) + ".py";
  std::string in_path = path + ".in";
  {
    FILE* f = std::fopen(path.c_str(), "w");
    REQUIRE(f);
    std::fputs(script.c_str(), f);
    std::fclose(f);
    FILE* g = std::fopen(in_path.c_str(), "w");
    REQUIRE(g);
    for (const std::string& k : keys) {
      std::fputc('x', g);  // keeps empty keys visible as a token
      for (unsigned char c : k) std::fprintf(g, "%02x", c);
      std::fputc('\n', g);
    }
    std::fclose(g);
  }
  std::string cmd = "/usr/bin/python3 " + path + " < " + in_path;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p);
  std::vector<std::int64_t> out;
  char line[64];
  while (std::fgets(line, sizeof line, p)) out.push_back(std::stoll(line));
  ::pclose(p);
  std::remove(path.c_str());
  std::remove(in_path.c_str());
  return out;
}

}  // namespace

TEST_CASE("partitioner: murmur2 matches the Java algorithm (kafka-python)") {
  std::vector<std::string> keys = {"", "a", "ab", "abc", "abcd", "abcde", "hello", "kafka", "key-12345",
                                   "The quick brown fox jumps over the lazy dog", std::string("\xff\xfe\x00\x80", 4),
                                   std::string(1000, 'z')};
  for (int i = 0; i < 200; ++i) keys.push_back("user-" + std::to_string(i * 7919));
  for (int i = 0; i < 50; ++i) {
    std::string k;
    for (int j = 0; j <= i; ++j) k.push_back(static_cast<char>((i * 31 + j * 17) & 0xff));
    keys.push_back(k);
  }
  std::vector<std::int64_t> expected = python_murmur2(keys);
  REQUIRE(expected.size() == keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    INFO("key #" << i);
    std::int32_t h = kwire::murmur2(kwire::protocol::as_bytes(keys[i]));
    CHECK(h == expected[i]);
    for (std::int32_t n : {1, 3, 12, 100}) {
      // Java: Utils.toPositive(murmur2(key)) % n, toPositive = h & 0x7fffffff.
      std::int64_t java = (expected[i] & 0x7fffffff) % n;
      CHECK(kwire::murmur2_partition(kwire::protocol::as_bytes(keys[i]), n) == java);
    }
  }
}

TEST_CASE("partitioner: keyed records use murmur2, keyless ones stick") {
  kwire::detail::Partitioner p(kwire::BuiltinPartitioner::default_partitioner, {}, 1000);
  std::string key = "order-42";
  auto kb = kwire::protocol::as_bytes(key);
  auto c = p.choose("t", kb, 7);
  CHECK_FALSE(c.sticky);
  CHECK(c.partition == kwire::murmur2_partition(kb, 7));

  auto first = p.choose("t", std::nullopt, 7);
  CHECK(first.sticky);
  REQUIRE(first.partition >= 0);
  REQUIRE(first.partition < 7);
  // Below batch.size bytes the partition does not move.
  for (int i = 0; i < 9; ++i) {
    auto again = p.choose("t", std::nullopt, 7);
    CHECK(again.partition == first.partition);
    p.on_appended("t", again.partition, 100, 7);
  }
  auto still = p.choose("t", std::nullopt, 7);
  CHECK(still.partition == first.partition);
  p.on_appended("t", still.partition, 100, 7);  // reaches 1000 bytes: switch
  auto moved = p.choose("t", std::nullopt, 7);
  CHECK(moved.partition != first.partition);
}

TEST_CASE("partitioner: uniform sticky spreads keyless records over all partitions") {
  kwire::detail::Partitioner p(kwire::BuiltinPartitioner::default_partitioner, {}, 100);
  std::vector<int> bytes(5, 0);
  for (int i = 0; i < 5000; ++i) {
    auto c = p.choose("spread", std::nullopt, 5);
    bytes[static_cast<std::size_t>(c.partition)] += 10;
    p.on_appended("spread", c.partition, 10, 5);
  }
  for (int b : bytes) {
    CHECK(b > 5000);  // expected 10000 each; random switching, generous bound
  }
}

TEST_CASE("partitioner: partitioner.ignore.keys sends keyed records stickily") {
  kwire::detail::Partitioner p(kwire::BuiltinPartitioner::uniform_sticky, {}, 1 << 20);
  std::set<std::int32_t> seen;
  for (int i = 0; i < 50; ++i) {
    std::string key = "k" + std::to_string(i);
    auto c = p.choose("t", kwire::protocol::as_bytes(key), 10);
    CHECK(c.sticky);
    seen.insert(c.partition);
  }
  CHECK(seen.size() == 1);
}

TEST_CASE("partitioner: a user-supplied partitioner wins, -1 falls back") {
  kwire::PartitionerFunction f = [](std::string_view topic, std::optional<kwire::protocol::Bytes> key,
                                    std::int32_t count) -> std::int32_t {
    if (topic == "fallback") return -1;
    return key ? static_cast<std::int32_t>(key->size()) % count : count - 1;
  };
  kwire::detail::Partitioner p(kwire::BuiltinPartitioner::default_partitioner, f, 1000);
  std::string key = "abcd";
  CHECK(p.choose("t", kwire::protocol::as_bytes(key), 3).partition == 1);
  CHECK(p.choose("t", std::nullopt, 3).partition == 2);
  auto fb = p.choose("fallback", kwire::protocol::as_bytes(key), 3);
  CHECK(fb.partition == kwire::murmur2_partition(kwire::protocol::as_bytes(key), 3));
}
