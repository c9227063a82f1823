// A consumer assigned a topic it has no metadata for yet reads as soon as the
// metadata arrives: the fetcher waits for the topic rather than for
// retry.backoff.ms (it looked again only after the backoff, so every
// assign() before the first Metadata answer cost one backoff, 100 ms by
// default, before the first record). The backoff is set far beyond the
// test's limit, so the old way fails it.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "consumer_reading.hpp"
#include "kwire/consumer.hpp"
#include "kwire/producer.hpp"
#include "txn_broker.hpp"

using namespace std::chrono_literals;

TEST_CASE("Consumer assigned before it knows the topic reads when the metadata comes, not a backoff later",
          "[consumer]") {
  kwire::test::TxnBroker broker;
  broker.create_topic("start", 2);
  {
    kwire::Producer producer({{"bootstrap.servers", broker.bootstrap()}});
    for (int i = 0; i < 10; ++i) {
      const std::string value = "v" + std::to_string(i);
      kwire::Record r;
      r.topic = "start";
      r.partition = i % 2;
      r.value = kwire::Bytes(reinterpret_cast<const std::uint8_t*>(value.data()), value.size());
      kwire::RecordMetadata written;
      REQUIRE(!producer.send_and_wait(r, written));
    }
  }
  kwire::Consumer consumer(kwire::test::base(broker.bootstrap(), {{"retry.backoff.ms", "60000"}}));
  consumer.assign({{"start", 0}, {"start", 1}});
  // Well under the backoff: only a fetcher woken by the metadata gets here.
  const auto got = kwire::test::read(consumer, 10, 20s);
  CHECK(got.size() == 10);
}
