// Hello, kwire: ten records to one topic, a delivery report for each.
// Usage: hello_producer [BOOTSTRAP] [TOPIC]
#include <kwire/producer.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  const std::string bootstrap = argc > 1 ? argv[1] : "localhost:9092";
  const std::string topic = argc > 2 ? argv[2] : "hello";
  kwire::Producer producer({{"bootstrap.servers", bootstrap}});
  std::atomic<int> delivered{0};
  for (int i = 0; i < 10; ++i) {
    const std::string value = "hello " + std::to_string(i);
    const kwire::Record record{.topic = topic, .value = kwire::as_bytes(value)};  // the value is copied
    std::error_code ec = producer.send(record, [&](std::error_code report, const kwire::RecordMetadata& md) {
      if (report) std::fprintf(stderr, "not delivered: %s\n", report.message().c_str());
      else delivered += 1;
      (void)md;
    });
    if (ec) std::fprintf(stderr, "refused: %s\n", ec.message().c_str());
  }
  if (std::error_code ec = producer.flush(std::chrono::seconds(10))) {
    std::fprintf(stderr, "flush: %s\n", ec.message().c_str());
    return 1;
  }
  std::printf("delivered %d records to %s\n", delivered.load(), topic.c_str());
  return delivered == 10 ? 0 : 1;
}
