// Keyed records and a partitioner of your own: keys starting "vip-" go to
// partition 0, every other key where the built-in partitioner (murmur2, as
// the Java client) puts it.
// Usage: keyed_partitioner [BOOTSTRAP] [TOPIC]
#include <kwire/partitioner.hpp>
#include <kwire/producer.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

int main(int argc, char** argv) {
  const std::string bootstrap = argc > 1 ? argv[1] : "localhost:9092";
  const std::string topic = argc > 2 ? argv[2] : "orders";
  kwire::Producer producer(kwire::ProducerConfig{
      .bootstrap_servers = {bootstrap},
      .linger = std::chrono::milliseconds(5),
      .custom_partitioner = [](std::string_view, std::optional<kwire::Bytes> key, std::int32_t) -> std::int32_t {
        if (key && kwire::protocol::as_string(*key).starts_with("vip-")) return 0;
        return -1;  // the built-in partitioner decides
      }});
  int failed = 0;
  for (const char* key : {"vip-anna", "bob", "vip-carl", "dora", "emil", "vip-fay"}) {
    const std::string value = std::string("order of ") + key;
    const kwire::Record record{.topic = topic, .key = kwire::as_bytes(key), .value = kwire::as_bytes(value)};
    try {
      kwire::RecordMetadata md = producer.send(record).get();  // waits for this record's report
      std::printf("%s -> partition %d offset %lld\n", key, md.partition, static_cast<long long>(md.offset));
    } catch (const std::system_error& e) {
      std::fprintf(stderr, "%s not delivered: %s\n", key, e.what());
      ++failed;
    }
  }
  return failed == 0 ? 0 : 1;
}
