#include <kwire/consumer.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

// Reads "events"-0 from the group's committed offset (the beginning if none),
// prints each value, then commits what it read. Returns how many it read.
std::int64_t consume(const std::string& bootstrap, std::int64_t wanted) {
  kwire::Consumer consumer({{"bootstrap.servers", bootstrap},
                            {"group.id", "readme"},
                            {"auto.offset.reset", "earliest"},
                            {"enable.auto.commit", "false"}});
  consumer.assign({{"events", 0}});
  std::int64_t read = 0;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (read < wanted && std::chrono::steady_clock::now() < give_up) {
    const kwire::ConsumerRecords& records = consumer.poll(std::chrono::milliseconds(200));
    if (records.error()) std::fprintf(stderr, "%s\n", records.error_detail().c_str());
    for (const kwire::ConsumerRecord& r : records) {  // views into fetched data, valid until the next poll()
      const std::string_view value = r.value ? kwire::protocol::as_string(*r.value) : std::string_view();
      std::printf("%lld: %.*s\n", static_cast<long long>(r.offset), static_cast<int>(value.size()), value.data());
      ++read;
    }
  }
  if (std::error_code ec = consumer.commit()) std::fprintf(stderr, "commit: %s\n", ec.message().c_str());
  return read;
}
