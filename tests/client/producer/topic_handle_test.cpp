// The send path's per-topic handle (issue 15, direction 2): a send looks its
// topic up once and finds the partition count, the sticky state and the
// queues through the handle. The count must stay live: partitions added
// after the handle was made are seen by the next send, whether the metadata
// source keeps a count slot the handle points at (the network backend) or
// not (partition_count() asked every send).
#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <string>

#include "fake_broker_producer.hpp"
#include "fake_topic_metadata.hpp"
#include "kwire/errors.hpp"
#include "kwire/partitioner.hpp"
#include "kwire/producer.hpp"
#include "producer/producer_backend.hpp"
#include "producer/producer_impl.hpp"
#include "sender/sender_fake_broker.hpp"

using namespace std::chrono_literals;
using kwire::detail::ProducerTestAccess;

namespace {

using MetadataFactory = kwire::test::TopicMetadataFactory;

kwire::Producer make(const MetadataFactory& metadata, kwire::test::FakeBroker*& broker) {
  kwire::Properties props{{"bootstrap.servers", "fake:9092"}, {"linger.ms", "1"}, {"retry.backoff.ms", "1"}};
  return kwire::test::make_fake_broker_producer(props, {}, &broker, metadata);
}

kwire::Record to(std::int32_t partition, const char* value) {
  return kwire::Record{.topic = "t", .partition = partition, .key = kwire::as_bytes("k"),
                       .value = kwire::as_bytes(value)};
}

// Two partitions, a send (the handle is made), then four: partition 3 is
// refused before and accepted after, and a keyed record is hashed over four.
void partitions_added_after_the_first_send(kwire::test::FakeTopicMetadata::CountSlots slots) {
  kwire::test::FakeTopicMetadata* fake = nullptr;
  const MetadataFactory metadata = [&] {
    auto m = std::make_unique<kwire::test::FakeTopicMetadata>(kwire::test::FakeTopicMetadata::Counts{{"t", 2}}, slots);
    fake = m.get();
    return m;
  };
  kwire::test::FakeBroker* broker = nullptr;
  kwire::Producer producer = make(metadata, broker);
  kwire::RecordMetadata md;
  REQUIRE_FALSE(producer.send_and_wait(to(1, "first"), md));
  CHECK(producer.send_and_wait(to(3, "too soon"), md) == kwire::errc::invalid_partition);
  const std::string key = "order-9";
  REQUIRE(kwire::murmur2_partition(kwire::as_bytes(key), 4) >= 2);  // differs from any partition of two
  fake->add("t", 4);
  REQUIRE_FALSE(producer.send_and_wait(to(3, "after"), md));
  CHECK(md.partition == 3);
  kwire::Record keyed{.topic = "t", .key = kwire::as_bytes(key), .value = kwire::as_bytes("keyed")};
  REQUIRE_FALSE(producer.send_and_wait(keyed, md));
  CHECK(md.partition == kwire::murmur2_partition(kwire::as_bytes(key), 4));
  producer.close(5s);
  REQUIRE(broker->log("t", 3).size() == 1);
  CHECK(broker->log("t", 3)[0].value == "after");
}

}  // namespace

TEST_CASE("topic handle: partitions added later are seen through the source's count slot", "[producer]") {
  partitions_added_after_the_first_send(kwire::test::FakeTopicMetadata::CountSlots::kept);
}

TEST_CASE("topic handle: partitions added later are seen when the source keeps no slot", "[producer]") {
  partitions_added_after_the_first_send(kwire::test::FakeTopicMetadata::CountSlots::none);
}
