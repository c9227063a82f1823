// Sending from a C++20 coroutine: co_await each delivery report on your own
// Asio io_context (the report arrives there, not on the producer's thread).
// Usage: coroutine_producer [BOOTSTRAP] [TOPIC]
#include <kwire/producer.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>

#include <cstdio>
#include <string>
#include <system_error>

asio::awaitable<int> send_five(kwire::Producer& producer, std::string topic) {
  int delivered = 0;
  for (int i = 0; i < 5; ++i) {
    const std::string value = "awaited " + std::to_string(i);
    const kwire::Record record{.topic = topic, .value = kwire::as_bytes(value)};
    try {
      kwire::RecordMetadata md = co_await producer.async_send(record, asio::use_awaitable);
      std::printf("%s at offset %lld\n", value.c_str(), static_cast<long long>(md.offset));
      ++delivered;
    } catch (const std::system_error& e) {  // the report's error
      std::fprintf(stderr, "%s not delivered: %s\n", value.c_str(), e.what());
    }
  }
  co_return delivered;
}

int main(int argc, char** argv) {
  const std::string bootstrap = argc > 1 ? argv[1] : "localhost:9092";
  const std::string topic = argc > 2 ? argv[2] : "awaited";
  kwire::Producer producer({{"bootstrap.servers", bootstrap}});
  asio::io_context io;
  int delivered = 0;
  asio::co_spawn(io, send_five(producer, topic), [&](std::exception_ptr failure, int n) {
    if (!failure) delivered = n;
  });
  io.run();
  return delivered == 5 ? 0 : 1;
}
