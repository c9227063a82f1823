#include <kwire/producer.hpp>

#include <chrono>
#include <cstdio>
#include <string>

// One record sent twice: with a callback, then as a future.
void produce(const std::string& bootstrap, const std::string& payload) {
  kwire::Producer producer({{"bootstrap.servers", bootstrap}, {"linger.ms", "5"}, {"compression.type", "lz4"}});
  const kwire::Record record{.topic = "events",
                             .key = kwire::as_bytes("user-42"),
                             .value = kwire::as_bytes(payload)};  // copied into the batch by default
  producer.async_send(record, [](std::error_code ec, const kwire::RecordMetadata& md) {
    // fires exactly once, on the producer's thread
    if (ec) std::fprintf(stderr, "not delivered: %s\n", ec.message().c_str());
    else std::printf("%s-%d@%lld\n", md.topic.c_str(), md.partition, static_cast<long long>(md.offset));
  });
  kwire::RecordMetadata md = producer.send(record).get();  // throws std::system_error on failure
  std::printf("second copy at offset %lld\n", static_cast<long long>(md.offset));
  producer.flush(std::chrono::seconds(10));
}
