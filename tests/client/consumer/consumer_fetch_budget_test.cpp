// The consumer's fetched data stays near fetch.buffer.bytes: a Fetch asks
// for no more than the room the buffer has left (frames poll() still holds,
// Fetches in flight), never less than one partition's limit. Before, every
// Fetch asked for fetch.max.bytes (50 MB by default) whatever was buffered,
// so a broker that fills its answers (Kafka does, up to max_bytes; librdkafka's
// mock returns one batch per partition) could double the bound. Against the
// TxnBroker, which honours a Fetch's max_bytes and records every request.
#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "consumer_reading.hpp"
#include "kwire/consumer.hpp"
#include "rdkafka_producer.hpp"
#include "txn_broker.hpp"

namespace kwire::test::fetch_budget {

constexpr std::int32_t kBuffer = 256 * 1024;
constexpr std::int32_t kPartitionMax = 64 * 1024;

}  // namespace kwire::test::fetch_budget

TEST_CASE("Consumer: no Fetch asks for more than fetch.buffer.bytes leaves room for", "[consumer][memory]") {
  using namespace kwire::test;
  using namespace kwire::test::fetch_budget;
  TxnBroker broker;
  broker.create_topic("budget", 4);
  {
    RdkafkaProducer producer(broker.bootstrap(), {{"linger.ms", "5"}});
    for (std::int32_t p = 0; p < 4; ++p) {
      std::vector<PeerRecord> records(200);
      for (std::size_t i = 0; i < records.size(); ++i)
        records[i].value = std::to_string(p) + "-" + std::to_string(i) + "-" + std::string(2000, 'x');
      producer.write("budget", p, records);
    }
  }
  kwire::Consumer consumer(base(broker.bootstrap(), {{"fetch.buffer.bytes", std::to_string(kBuffer)},
                                                     {"max.partition.fetch.bytes", std::to_string(kPartitionMax)},
                                                     {"fetch.max.wait.ms", "50"}}));
  consumer.assign({{"budget", 0}, {"budget", 1}, {"budget", 2}, {"budget", 3}});
  const auto got = read(consumer, 800);
  REQUIRE(got.size() == 800);
  std::map<std::int32_t, std::int64_t> next;  // every record once, in order per partition
  for (const auto& r : got) {
    INFO("partition " << r.partition << " offset " << r.offset);
    CHECK(r.offset == next[r.partition]++);
    REQUIRE(r.value);
    CHECK(r.value->rfind(std::to_string(r.partition) + "-" + std::to_string(r.offset) + "-", 0) == 0);
  }

  const auto seen = broker.fetches_seen();
  REQUIRE(!seen.empty());
  for (const auto& f : seen) {
    INFO("a Fetch asked for " << f.max_bytes << " bytes");
    CHECK(f.max_bytes <= kBuffer);
    CHECK(f.max_bytes >= kPartitionMax);
  }
}
