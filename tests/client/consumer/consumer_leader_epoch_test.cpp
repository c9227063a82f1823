// KIP-320 against the TxnBroker: librdkafka's mock (2.0.2) has no
// OffsetForLeaderEpoch and no leader epochs in its Metadata (v0-2), so it
// cannot truncate a log or say where an epoch ended (../shared/MOCK-CLUSTER.md).
// The TxnBroker stamps each batch with its leader's epoch, moves leaders
// (an unclean election drops the tail of the log) and answers
// OffsetForLeaderEpoch; the records are written by librdkafka's producer.
// Each test reads a partition to its end, then the leader changes under a
// paused consumer and new records take the offsets of the lost ones. A
// consumer without truncation detection would go on from its old position
// and silently skip the new records below it (the first two tests fail so).
#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <string>
#include <vector>

#include "consumer_reading.hpp"
#include "kwire/consumer.hpp"
#include "rdkafka_producer.hpp"
#include "txn_broker.hpp"

using namespace std::chrono_literals;

namespace {

struct EpochRead {
  std::int64_t offset = -1;
  std::int32_t leader_epoch = -1;
  std::string value;
};

std::vector<kwire::test::PeerRecord> named(const std::string& prefix, int count) {
  std::vector<kwire::test::PeerRecord> out(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) out[static_cast<std::size_t>(i)].value = prefix + std::to_string(i);
  return out;
}

// Polls until `count` records came or an error (returned), for at most 20 s.
std::error_code read_into(kwire::Consumer& consumer, std::vector<EpochRead>& out, std::size_t count,
                          std::string* detail = nullptr) {
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
    const kwire::ConsumerRecords& records = consumer.poll(200ms);
    if (records.error()) {
      if (detail) *detail = records.error_detail();
      return records.error();
    }
    for (const auto& r : records)
      out.push_back({r.offset, r.leader_epoch, r.value ? std::string(reinterpret_cast<const char*>(r.value->data()),
                                                                    r.value->size())
                                                       : std::string()});
  }
  return {};
}

// `topic` with one partition holding 100 records in epoch 0 at offsets 0..99,
// two batches (0..59 and 60..99).
void create_with_first_hundred(kwire::test::TxnBroker& broker, const std::string& topic) {
  broker.create_topic(topic, 1);
  kwire::test::RdkafkaProducer producer(broker.bootstrap(), {{"linger.ms", "0"}});
  auto all = named("old-", 100);
  producer.write(topic, 0, {all.begin(), all.begin() + 60});
  producer.write(topic, 0, {all.begin() + 60, all.end()});
}

// Reads those 100 records: offsets 0..99, epoch 0, in order.
void read_first_hundred(kwire::Consumer& consumer) {
  std::vector<EpochRead> got;
  REQUIRE(!read_into(consumer, got, 100));
  REQUIRE(got.size() == 100);
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("record " << i);
    CHECK(got[i].offset == static_cast<std::int64_t>(i));
    CHECK(got[i].leader_epoch == 0);
    CHECK(got[i].value == "old-" + std::to_string(i));
  }
}

// Node 2 takes over partition 0 with only offsets 0..59 (epoch 1 starts at
// 60); 70 new records go to offsets 60..129, past the consumer's position 100.
void truncate_and_write_new(kwire::test::TxnBroker& broker, const std::string& topic) {
  broker.unclean_leader_election(topic, 0, 2, 60);
  REQUIRE(broker.high_watermark(topic, 0) == 60);
  kwire::test::RdkafkaProducer producer(broker.bootstrap(), {{"linger.ms", "0"}});
  producer.write(topic, 0, named("new-", 70));
  REQUIRE(broker.high_watermark(topic, 0) == 130);
}

// Reads those 70 records from the divergence on: offsets 60..129, in order.
std::vector<EpochRead> read_new_seventy(kwire::Consumer& consumer) {
  std::vector<EpochRead> fresh;
  REQUIRE(!read_into(consumer, fresh, 70));
  REQUIRE(fresh.size() == 70);
  for (std::size_t i = 0; i < fresh.size(); ++i) {
    INFO("new record " << i);
    CHECK(fresh[i].offset == 60 + static_cast<std::int64_t>(i));
    CHECK(fresh[i].value == "new-" + std::to_string(i));
  }
  return fresh;
}

}  // namespace

TEST_CASE("Consumer detects a log truncated by a leader change and reads all the new leader holds (KIP-320)",
          "[consumer][kip320]") {
  kwire::test::TxnBroker broker({.nodes = 2});
  create_with_first_hundred(broker, "kip320");
  const std::array<kwire::TopicPartition, 1> tp{{{"kip320", 0}}};
  kwire::Consumer consumer(kwire::test::base(broker.bootstrap()));
  consumer.assign({tp[0]});
  read_first_hundred(consumer);

  REQUIRE(!consumer.pause(tp));
  truncate_and_write_new(broker, "kip320");
  REQUIRE(!consumer.resume(tp));
  // With auto.offset.reset set, the position goes back to offset 60, where
  // the logs diverge (Java's rule), and every new record is read once.
  for (const EpochRead& r : read_new_seventy(consumer)) {
    INFO("new record at offset " << r.offset);
    CHECK(r.leader_epoch == 1);
  }
  std::int64_t position = -1;
  REQUIRE(!consumer.position(tp[0], position, 5s));
  CHECK(position == 130);
  // Nothing more: no record read twice.
  CHECK(consumer.poll(300ms).empty());
}

TEST_CASE("Consumer with auto.offset.reset=none reports a truncated log instead of reading past it (KIP-320)",
          "[consumer][kip320]") {
  kwire::test::TxnBroker broker({.nodes = 2});
  create_with_first_hundred(broker, "kip320-none");
  const std::array<kwire::TopicPartition, 1> tp{{{"kip320-none", 0}}};
  kwire::Consumer consumer(kwire::test::base(broker.bootstrap(), {{"auto.offset.reset", "none"}}));
  consumer.assign({tp[0]});
  REQUIRE(!consumer.seek(tp[0], 0));
  read_first_hundred(consumer);

  REQUIRE(!consumer.pause(tp));
  truncate_and_write_new(broker, "kip320-none");
  REQUIRE(!consumer.resume(tp));
  std::vector<EpochRead> after;
  std::string detail;
  const std::error_code ec = read_into(consumer, after, 1, &detail);
  INFO(detail);
  CHECK(ec == kwire::consumer_errc::log_truncation);
  CHECK(after.empty());  // nothing from offset 100 of the new log
  CHECK(detail.find("offset 60") != std::string::npos);
  // The application decides: here it seeks to where the logs diverge.
  REQUIRE(!consumer.seek(tp[0], 60));
  REQUIRE(!read_into(consumer, after, 70));
  REQUIRE(after.size() == 70);
  CHECK(after.front().value == "new-0");
  CHECK(after.back().offset == 129);
}

TEST_CASE("Consumer goes on without a reread after a clean leader change (KIP-320 validation passes)",
          "[consumer][kip320]") {
  kwire::test::TxnBroker broker({.nodes = 2});
  create_with_first_hundred(broker, "kip320-clean");
  kwire::Consumer consumer(kwire::test::base(broker.bootstrap(), {{"auto.offset.reset", "none"}}));
  consumer.assign({{"kip320-clean", 0}});
  REQUIRE(!consumer.seek({"kip320-clean", 0}, 0));
  read_first_hundred(consumer);
  broker.set_leader("kip320-clean", 0, 2);
  {
    kwire::test::RdkafkaProducer producer(broker.bootstrap(), {{"linger.ms", "0"}});
    producer.write("kip320-clean", 0, named("more-", 20));
  }
  std::vector<EpochRead> more;
  REQUIRE(!read_into(consumer, more, 20));
  REQUIRE(more.size() == 20);
  CHECK(more.front().offset == 100);
  CHECK(more.front().leader_epoch == 1);
  CHECK(more.back().offset == 119);
  CHECK(more.back().value == "more-19");
  CHECK(consumer.poll(300ms).empty());
}

TEST_CASE("Consumer starting from a committed offset checks it against the leader's log first (KIP-320)",
          "[consumer][kip320]") {
  // The committed offset (100) carries the epoch of the record before it
  // (0). The log was truncated to 60 by an unclean election since, and new
  // records took offsets 60..129: a consumer that fetched from 100 at once
  // would skip the 40 new records below it.
  kwire::test::TxnBroker broker({.nodes = 2});
  create_with_first_hundred(broker, "kip320-committed");
  const std::array<kwire::TopicPartition, 1> tp{{{"kip320-committed", 0}}};
  const auto settings =
      kwire::test::base(broker.bootstrap(), {{"group.id", "g-kip320"}, {"enable.auto.commit", "false"}});
  {
    kwire::Consumer first(settings);
    first.assign({tp[0]});
    read_first_hundred(first);
    REQUIRE(!first.commit());
    kwire::CommitOffsets committed;
    REQUIRE(!first.committed(tp, committed, 5s));
    CHECK(committed[tp[0]].offset == 100);
    CHECK(committed[tp[0]].leader_epoch == 0);  // the epoch went to the group coordinator with the offset
    first.close();
  }
  truncate_and_write_new(broker, "kip320-committed");

  kwire::Consumer next(settings);
  next.assign({tp[0]});
  read_new_seventy(next);
  CHECK(next.poll(300ms).empty());
}
