// Consume-transform-produce, exactly once: reads every partition of TOPIC
// for the group "uppercaser", writes each value upper-cased to TOPIC.upper,
// and commits the consumed offsets in the same transaction as the records
// (send_offsets_to_transaction with the consumer's group_metadata()), so a
// record is transformed once even if the program dies and starts again.
// It assign()s the partitions: with subscribe() the same group_metadata()
// also carries the generation and member id that let the coordinator fence a
// zombie (KIP-447), which needs TxnOffsetCommit v3 (Kafka 2.5+); librdkafka's
// mock cluster, which kwire's tests run this against, is older than that.
// Stops once it has caught up with the end of TOPIC.
// Usage: consume_transform_produce [BOOTSTRAP] [TOPIC]
#include <kwire/consumer.hpp>
#include <kwire/producer.hpp>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

// True once every assigned partition's position reached its end offset.
bool caught_up(kwire::Consumer& consumer) {
  const std::vector<kwire::TopicPartition> assigned = consumer.assignment();
  if (assigned.empty()) return false;
  std::vector<std::int64_t> ends;
  if (consumer.end_offsets(assigned, ends, 10s)) return false;
  for (std::size_t i = 0; i < assigned.size(); ++i) {
    std::int64_t position = -1;
    if (consumer.position(assigned[i], position) || position < ends[i]) return false;
  }
  return true;
}

// What poll() returned, transformed and sent; the offsets to commit with it.
std::vector<kwire::TopicPartitionOffset> transform(kwire::Producer& producer, const kwire::ConsumerRecords& records,
                                                   const std::string& out_topic) {
  std::map<kwire::TopicPartition, std::int64_t> next;
  for (const kwire::ConsumerRecord& r : records) {
    std::string upper(r.value ? reinterpret_cast<const char*>(r.value->data()) : "", r.value ? r.value->size() : 0);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    kwire::Record out{.topic = out_topic, .key = r.key, .value = kwire::as_bytes(upper)};  // copied at send
    if (std::error_code ec = producer.send(out, [](std::error_code report, const kwire::RecordMetadata&) {
          if (report) std::fprintf(stderr, "not delivered: %s\n", report.message().c_str());
        })) {
      std::fprintf(stderr, "refused: %s\n", ec.message().c_str());
    }
    next[{std::string(r.topic), r.partition}] = r.offset + 1;  // the next record to read
  }
  std::vector<kwire::TopicPartitionOffset> offsets;
  for (const auto& [tp, offset] : next) offsets.push_back({.topic = tp.topic, .partition = tp.partition, .offset = offset});
  return offsets;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string bootstrap = argc > 1 ? argv[1] : "localhost:9092";
  const std::string in_topic = argc > 2 ? argv[2] : "words";
  const std::string out_topic = in_topic + ".upper";

  kwire::Consumer consumer({{"bootstrap.servers", bootstrap},
                            {"group.id", "uppercaser"},
                            {"enable.auto.commit", "false"},      // offsets go with the transactions
                            {"auto.offset.reset", "earliest"}});
  // A stage reading another transactional stage's output would add
  // {"isolation.level", "read_committed"}; not here: kwire's consumer then asks
  // OffsetFetch for require_stable, which librdkafka's mock (OffsetFetch below
  // v7) refuses, and this program runs against the mock in kwire's tests.
  kwire::Producer producer({{"bootstrap.servers", bootstrap}, {"transactional.id", "uppercaser-" + in_topic}});
  if (std::error_code ec = producer.init_transactions(30s)) {
    std::fprintf(stderr, "init_transactions: %s\n", ec.message().c_str());
    return 1;
  }
  std::vector<std::int32_t> partitions;
  if (std::error_code ec = consumer.partitions_for(in_topic, partitions, 10s)) {
    std::fprintf(stderr, "partitions_for: %s\n", ec.message().c_str());
    return 1;
  }
  std::vector<kwire::TopicPartition> assignment;
  for (std::int32_t p : partitions) assignment.push_back({in_topic, p});
  consumer.assign(assignment);  // each starts at the group's committed offset, or earliest

  std::size_t committed = 0;
  const auto give_up = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < give_up) {
    const kwire::ConsumerRecords& records = consumer.poll(500ms);
    if (records.error()) std::fprintf(stderr, "poll: %s\n", records.error_detail().c_str());
    if (records.empty()) {
      if (caught_up(consumer)) break;
      continue;
    }
    if (std::error_code ec = producer.begin_transaction()) {
      std::fprintf(stderr, "begin_transaction: %s\n", ec.message().c_str());
      return 1;
    }
    const std::vector<kwire::TopicPartitionOffset> offsets = transform(producer, records, out_topic);
    std::error_code ec = producer.send_offsets_to_transaction(offsets, consumer.group_metadata(), 10s);
    if (!ec) ec = producer.commit_transaction(30s);
    if (!ec) {
      committed += records.size();
      continue;
    }
    // Nothing of this transaction is visible: abort, and read the batch again
    // from the group's committed offsets.
    std::fprintf(stderr, "transaction failed (%s), aborting\n", ec.message().c_str());
    if (std::error_code abort_ec = producer.abort_transaction(30s)) {
      std::fprintf(stderr, "abort_transaction: %s\n", abort_ec.message().c_str());
      return 1;  // fatal (e.g. fenced by a newer instance): start over with a new producer
    }
    for (const kwire::TopicPartitionOffset& o : offsets) {
      kwire::CommitOffsets last;
      const std::vector<kwire::TopicPartition> tp{{o.topic, o.partition}};
      if (!consumer.committed(tp, last, 10s) && last.count(tp[0])) consumer.seek(tp[0], last[tp[0]].offset);
      else consumer.seek_to_beginning(tp);
    }
  }
  consumer.close();
  std::printf("transformed %zu records from %s to %s\n", committed, in_topic.c_str(), out_topic.c_str());
  return committed > 0 ? 0 : 1;
}
