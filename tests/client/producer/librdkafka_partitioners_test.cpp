// librdkafka's partitioners, byte for byte: for thousands of keys (every
// length 0..64, random bytes) and partition counts, kwire's hashes put each
// key where librdkafka's own rd_kafka_msg_partitioner_* functions (public in
// rdkafka.h) put it, null keys included; and the producer's partitioner=NAME
// uses them.
#include <catch2/catch.hpp>

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <random>
#include <set>
#include <vector>

#include "kwire/partitioner.hpp"
#include "kwire/producer_config.hpp"
#include "producer/partitioner.hpp"

namespace {

using RdPartitioner = std::int32_t (*)(const rd_kafka_topic_t*, const void*, std::size_t, std::int32_t, void*, void*);

struct Key {
  std::vector<std::uint8_t> bytes;
  bool null = false;
};

std::vector<Key> sample_keys() {
  std::vector<Key> keys;
  keys.push_back({{}, true});
  std::mt19937 rng(1414);
  for (std::size_t len = 0; len <= 64; ++len) {
    for (int n = 0; n < 40; ++n) {
      Key k;
      for (std::size_t i = 0; i < len; ++i) k.bytes.push_back(static_cast<std::uint8_t>(rng()));
      keys.push_back(std::move(k));
    }
  }
  for (const char* text : {"user-42", "a", "order-1", "\xff\xfe\x80"}) {
    std::string_view s(text);
    keys.push_back({std::vector<std::uint8_t>(s.begin(), s.end()), false});
  }
  return keys;
}

std::int32_t rd_place(RdPartitioner f, const Key& k, std::int32_t count) {
  static const std::uint8_t empty = 0;  // an empty vector's data() may be null: an empty key is not
  const void* p = k.null ? nullptr : k.bytes.empty() ? &empty : k.bytes.data();
  return f(nullptr, p, k.bytes.size(), count, nullptr, nullptr);
}

std::optional<kwire::Bytes> as_key(const Key& k) {
  static const std::uint8_t empty = 0;
  if (k.null) return std::nullopt;
  if (k.bytes.empty()) return kwire::Bytes(&empty, 0);
  return kwire::Bytes(k.bytes.data(), k.bytes.size());
}

// Partition counts: small, odd, prime, a power of two, large.
constexpr std::int32_t counts[] = {1, 2, 3, 7, 12, 16, 31, 100, 1000};

}  // namespace

TEST_CASE("murmur2, consistent and fnv1a hashes place keys where librdkafka does", "[partitioner][librdkafka]") {
  const auto keys = sample_keys();
  for (std::int32_t count : counts) {
    INFO("partitions " << count);
    for (const Key& k : keys) {
      const kwire::Bytes b(k.bytes.data(), k.bytes.size());
      INFO("key length " << k.bytes.size() << (k.null ? " (null)" : ""));
      REQUIRE(kwire::murmur2_partition(b, count) == rd_place(rd_kafka_msg_partitioner_murmur2, k, count));
      REQUIRE(kwire::consistent_partition(b, count) == rd_place(rd_kafka_msg_partitioner_consistent, k, count));
      REQUIRE(kwire::fnv1a_partition(b, count) == rd_place(rd_kafka_msg_partitioner_fnv1a, k, count));
    }
  }
}

TEST_CASE("partitioner=NAME places keyed records as librdkafka's partitioner of that name", "[partitioner][librdkafka]") {
  struct Case {
    kwire::BuiltinPartitioner mode;
    RdPartitioner rd;
    bool null_key_fixed;   // null keys hashed (else: sticky, not compared)
    bool empty_key_fixed;  // empty non-null keys hashed
  };
  const Case cases[] = {
      {kwire::BuiltinPartitioner::murmur2, rd_kafka_msg_partitioner_murmur2, true, true},
      {kwire::BuiltinPartitioner::default_partitioner, rd_kafka_msg_partitioner_murmur2_random, false, true},
      {kwire::BuiltinPartitioner::consistent, rd_kafka_msg_partitioner_consistent, true, true},
      {kwire::BuiltinPartitioner::consistent_random, rd_kafka_msg_partitioner_consistent_random, false, false},
      {kwire::BuiltinPartitioner::fnv1a, rd_kafka_msg_partitioner_fnv1a, true, true},
      {kwire::BuiltinPartitioner::fnv1a_random, rd_kafka_msg_partitioner_fnv1a_random, false, true},
  };
  const auto keys = sample_keys();
  for (const Case& c : cases) {
    kwire::detail::Partitioner p(c.mode, {}, 16384);
    INFO("mode " << static_cast<int>(c.mode));
    for (std::int32_t count : counts) {
      for (const Key& k : keys) {
        const bool fixed = k.null ? c.null_key_fixed : (!k.bytes.empty() || c.empty_key_fixed);
        auto choice = p.choose("t", as_key(k), count);
        INFO("partitions " << count << ", key length " << k.bytes.size() << (k.null ? " (null)" : ""));
        REQUIRE(choice.partition >= 0);
        REQUIRE(choice.partition < count);
        CHECK(choice.sticky == !fixed);
        if (fixed) REQUIRE(choice.partition == rd_place(c.rd, k, count));
      }
    }
  }
}

TEST_CASE("partitioner=random spreads records with the same key", "[partitioner]") {
  kwire::detail::Partitioner p(kwire::BuiltinPartitioner::random, {}, 16384);
  const std::uint8_t key[] = {'k'};
  std::set<std::int32_t> seen;
  for (int i = 0; i < 2000 && seen.size() < 8; ++i) {
    auto choice = p.choose("t", kwire::Bytes(key, 1), 8);
    CHECK_FALSE(choice.sticky);
    seen.insert(choice.partition);
  }
  CHECK(seen.size() == 8);
}

TEST_CASE("partitioner names of librdkafka are accepted", "[partitioner][config]") {
  using kwire::BuiltinPartitioner;
  const std::pair<const char*, BuiltinPartitioner> names[] = {
      {"murmur2", BuiltinPartitioner::murmur2},
      {"murmur2_random", BuiltinPartitioner::default_partitioner},
      {"consistent", BuiltinPartitioner::consistent},
      {"consistent_random", BuiltinPartitioner::consistent_random},
      {"fnv1a", BuiltinPartitioner::fnv1a},
      {"fnv1a_random", BuiltinPartitioner::fnv1a_random},
      {"random", BuiltinPartitioner::random},
  };
  for (const auto& [name, mode] : names) {
    INFO(name);
    auto c = kwire::ProducerConfig::from_properties({{"bootstrap.servers", "h:9092"}, {"partitioner", name}});
    CHECK(c.partitioner == mode);
  }
  kwire::ProducerConfig c;
  std::string why;
  CHECK(kwire::ProducerConfig::parse({{"bootstrap.servers", "h:9092"}, {"partitioner", "crc"}}, c, why) ==
        kwire::errc::invalid_config_value);
  CHECK(why.find("consistent_random") != std::string::npos);
}
