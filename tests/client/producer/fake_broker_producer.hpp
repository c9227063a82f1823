// A Producer on an in-process broker: the sender tests' FakeBroker behind the
// backend interface, one topic whose partition p is led by broker
// p % brokers, and topic metadata (FakeTopicMetadata knowing the topic's
// partition count unless the test brings its own source).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "fake_topic_metadata.hpp"
#include "kwire/producer.hpp"
#include "producer/producer_backend.hpp"
#include "producer/producer_impl.hpp"
#include "sender/sender_fake_broker.hpp"

namespace kwire::test {

struct FakeTopicLayout {
  std::string topic = "t";
  std::int32_t partitions = 4;
  std::int32_t brokers = 2;
};

using TopicMetadataFactory = std::function<std::unique_ptr<kwire::detail::TopicMetadataSource>()>;

// The backend behind such a Producer, for a test that builds its own
// ProducerConfig. `broker`, when given, is pointed at the FakeBroker (it
// lives as long as the Producer).
inline kwire::detail::BackendFactory fake_broker_backend(FakeTopicLayout layout = {}, FakeBroker** broker = nullptr,
                                                         TopicMetadataFactory metadata = {}) {
  return [layout, broker, metadata](asio::any_io_executor ex, const kwire::ProducerConfig&) {
    auto fake = std::make_unique<FakeBroker>(ex);
    for (std::int32_t p = 0; p < layout.partitions; ++p) fake->set_leader(layout.topic, p, p % layout.brokers);
    if (broker != nullptr) *broker = fake.get();
    kwire::detail::ProducerBackend backend;
    backend.transport = std::move(fake);
    backend.metadata = metadata ? metadata()
                                : std::make_unique<FakeTopicMetadata>(
                                      FakeTopicMetadata::Counts{{layout.topic, layout.partitions}});
    return backend;
  };
}

inline kwire::Producer make_fake_broker_producer(const kwire::Properties& props, FakeTopicLayout layout = {},
                                                 FakeBroker** broker = nullptr, TopicMetadataFactory metadata = {}) {
  return kwire::detail::ProducerTestAccess::make(kwire::ProducerConfig::from_properties(props),
                                                 fake_broker_backend(layout, broker, std::move(metadata)));
}

}  // namespace kwire::test
