// Direct batch control: fill one batch yourself and send it to a partition
// as one unit; one report for the batch, with its base offset.
// Usage: batch_producer [BOOTSTRAP] [TOPIC]
#include <kwire/producer.hpp>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  const std::string bootstrap = argc > 1 ? argv[1] : "localhost:9092";
  const std::string topic = argc > 2 ? argv[2] : "batched";
  kwire::Producer producer({{"bootstrap.servers", bootstrap}, {"batch.size", "65536"}});
  kwire::Batch batch = producer.create_batch();  // reserves batch.size of buffer.memory
  int appended = 0;
  for (int i = 0; i < 100; ++i) {
    const std::string key = "sensor-" + std::to_string(i % 4);
    const std::string value = "reading " + std::to_string(i);
    if (!batch.append(kwire::as_bytes(key), kwire::as_bytes(value))) break;  // full: send what fits
    ++appended;
  }
  try {
    kwire::RecordMetadata md = producer.send_batch(std::move(batch), topic, 0).get();
    std::printf("%d records at offsets %lld..%lld of %s-0\n", appended, static_cast<long long>(md.offset),
                static_cast<long long>(md.offset + appended - 1), topic.c_str());
  } catch (const std::system_error& e) {
    std::fprintf(stderr, "batch not delivered: %s\n", e.what());
    return 1;
  }
  return 0;
}
