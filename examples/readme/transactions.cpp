#include <kwire/producer.hpp>

#include <chrono>
#include <cstdint>
#include <string>

// Writes `record` and commits the consumed offset `next_offset` of "in"-0 in
// one transaction; false when it was aborted.
bool produce_in_transaction(const std::string& bootstrap, const kwire::Record& record, std::int64_t next_offset) {
  using std::chrono::seconds;
  kwire::Producer producer({{"bootstrap.servers", bootstrap}, {"transactional.id", "orders-1"}});
  if (producer.init_transactions(seconds(30))) return false;  // fences older producers with this id
  producer.begin_transaction();
  producer.send(record, [](std::error_code, kwire::RecordMetadata) {});  // only inside a transaction
  producer.send_offsets_to_transaction({{.topic = "in", .partition = 0, .offset = next_offset}},
                                       kwire::ConsumerGroupMetadata{.group_id = "group"}, seconds(30));
  if (auto ec = producer.commit_transaction(seconds(30))) {  // flushes first
    if (ec == kwire::errc::transaction_abortable) producer.abort_transaction(seconds(30));
    return false;
  }
  return true;
}
