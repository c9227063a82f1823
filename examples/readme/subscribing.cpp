#include <kwire/consumer.hpp>

#include <asio/use_future.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <future>
#include <regex>
#include <string>
#include <system_error>
#include <vector>

// Joins group "readme-group" for "events" and every "events-<name>" topic
// (a matching topic created later joins in too) and reads until `wanted`
// records came. async_poll polls on the consumer's own thread; with
// asio::use_future this thread could work while it waits. Auto-commit is on:
// close() commits what was read and leaves the group. Returns the count read.
std::int64_t consume_subscribed(const std::string& bootstrap, std::int64_t wanted) {
  kwire::Consumer consumer({{"bootstrap.servers", bootstrap},
                            {"group.id", "readme-group"},
                            {"auto.offset.reset", "earliest"}});
  kwire::RebalanceListener listener;
  listener.on_assigned = [](const std::vector<kwire::TopicPartition>& added) {
    for (const kwire::TopicPartition& tp : added) std::printf("now reading %s-%d\n", tp.topic.c_str(), tp.partition);
  };
  if (std::error_code ec = consumer.subscribe(std::regex("events(-.+)?"), listener)) {
    std::fprintf(stderr, "subscribe: %s\n", ec.message().c_str());
    return 0;
  }
  std::int64_t read = 0;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (read < wanted && std::chrono::steady_clock::now() < give_up) {
    std::future<kwire::ConsumerRecords> next = consumer.async_poll(std::chrono::milliseconds(200), asio::use_future);
    const kwire::ConsumerRecords records = next.get();  // throws std::system_error once the consumer is closed
    if (records.error()) std::fprintf(stderr, "%s\n", records.error_detail().c_str());
    for (const kwire::ConsumerRecord& r : records)
      std::printf("%.*s-%d@%lld\n", static_cast<int>(r.topic.size()), r.topic.data(), r.partition,
                  static_cast<long long>(r.offset));
    read += static_cast<std::int64_t>(records.size());
  }
  consumer.close();
  return read;
}
