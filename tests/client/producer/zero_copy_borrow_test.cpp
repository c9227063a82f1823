// Borrowed values above message.copy.max.bytes are not copied: they stay in
// the caller's memory until the delivery report and are spliced into the
// Produce request by reference. Shown at the accumulator (the batch's own
// buffer stays small, its reference points at the caller's bytes, values at
// or below the threshold and copied values are still copied) and end to end
// through the public Producer against librdkafka's mock cluster, read back
// with librdkafka's consumer byte for byte, uncompressed and with lz4; the
// report hands the buffer back exactly once and the test frees it there, so
// any later use of it is an ASan error.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kwire/producer.hpp"
#include "log_reader.hpp"
#include "mock_cluster.hpp"
#include "producer/accumulator/record_accumulator.hpp"
#include "producer/sender/produce_request_builder.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using kwire::Bytes;
using kwire::protocol::as_bytes;

namespace {

std::string pattern(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  std::uint32_t x = seed * 2654435761u + 1;
  for (auto& c : s) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

std::optional<std::int32_t> node0(std::string_view, std::int32_t) { return 0; }

kwire::detail::BatchPtr append_and_drain(kwire::detail::RecordAccumulator& acc, const std::string& value,
                                         bool borrowed) {
  kwire::detail::DeliveryEntry e;
  e.handler = [](std::error_code, kwire::RecordMetadata) {};
  if (borrowed) e.borrowed_value = as_bytes(value);
  REQUIRE_FALSE(acc.append("t", 0, 1000, as_bytes(std::string_view("key")), as_bytes(value), {}, e,
                           Clock::now() + 1s)
                    .error);
  acc.close();
  const auto now = Clock::now() + 10s;
  auto drained = acc.drain(node0, std::vector<std::int32_t>{0}, 64 << 20, {}, now);
  REQUIRE(drained[0].size() == 1);
  return std::move(drained[0][0]);
}

}  // namespace

TEST_CASE("zero copy: a borrowed 1 MiB value stays in the caller's memory", "[zero-copy]") {
  const std::string value = pattern(1 << 20, 1);
  kwire::detail::AccumulatorOptions o;
  o.batch_size = 16384;
  o.max_request_size = 4 << 20;
  kwire::detail::DeliveryDispatcher dispatcher(false);
  kwire::detail::RecordAccumulator acc(o, dispatcher);
  auto batch = append_and_drain(acc, value, true);
  // Only the header and the record's framing were written into the batch.
  CHECK(batch->own_bytes() < 128);
  CHECK(batch->size_bytes() > value.size());
  REQUIRE(batch->has_references());
  CHECK(batch->references()[0].bytes.data() == reinterpret_cast<const std::uint8_t*>(value.data()));
  CHECK(batch->references()[0].bytes.size() == value.size());
  // buffer.memory is charged for the own buffer only (a pooled batch.size one).
  CHECK(acc.pool().available() == acc.pool().total() - o.batch_size);

  // The Produce request splices the value in by reference.
  kwire::detail::ProducerBatch* raw = batch.get();
  auto request = kwire::detail::build_produce_request(std::span(&raw, 1), {});
  kwire::protocol::Writer w;
  request.encode(w, 9);
  bool referenced = false;
  w.gather([&](Bytes piece) {
    if (piece.data() == reinterpret_cast<const std::uint8_t*>(value.data())) referenced = true;
  });
  CHECK(referenced);
  CHECK(w.owned().size() < 256);
  // Byte for byte what the generated encoder writes for the flattened batch.
  kwire::detail::OutgoingProduceRequest::Body copy;
  std::vector<std::vector<std::uint8_t>> storage;
  kwire::protocol::Writer plain;
  request.contiguous(copy, storage).encode(plain, 9);
  std::vector<std::uint8_t> spliced;
  w.gather([&](Bytes piece) { spliced.insert(spliced.end(), piece.begin(), piece.end()); });
  CHECK(spliced == plain.owned());
  batch->complete(-1, -1, {});
}

TEST_CASE("zero copy: values at or below message.copy.max.bytes, and copied values, are copied", "[zero-copy]") {
  kwire::detail::AccumulatorOptions o;
  o.max_request_size = 4 << 20;
  o.copy_max_bytes = 65535;
  for (auto [size, borrowed] : {std::pair<std::size_t, bool>{65535, true}, {1 << 20, false}}) {
    const std::string value = pattern(size, 2);
    kwire::detail::DeliveryDispatcher dispatcher(false);
    kwire::detail::RecordAccumulator acc(o, dispatcher);
    auto batch = append_and_drain(acc, value, borrowed);
    CHECK_FALSE(batch->has_references());
    CHECK(batch->own_bytes() > size);
    batch->complete(-1, -1, {});
  }
}

namespace {

struct BorrowRun {
  std::mutex mu;
  std::vector<std::string> expected;
  std::vector<std::unique_ptr<char[]>> buffers;
  std::vector<int> fired;
  std::vector<std::int64_t> offsets;
  std::atomic<int> released{0};
};

void borrowed_round_trip(kwire::CompressionType codec, const std::string& topic) {
  kwire::test::MockCluster cluster(1, {{topic, 1, 1}});
  kwire::ProducerConfig c;
  c.bootstrap_servers = {cluster.bootstrap()};
  c.linger = 5ms;
  c.max_request_size = 8 << 20;
  c.compression_type = codec;
  c.request_timeout = 10s;
  c.delivery_timeout = 30s;
  BorrowRun run;
  const std::size_t sizes[] = {1 << 20, 100, 70000, 65535, 1 << 20};
  const std::size_t n = std::size(sizes);
  run.fired.assign(n, 0);
  run.offsets.assign(n, -1);
  {
    kwire::Producer producer(c);
    for (std::size_t i = 0; i < n; ++i) {
      run.expected.push_back(pattern(sizes[i], static_cast<unsigned>(i + 10)));
      auto buf = std::make_unique<char[]>(sizes[i]);
      std::memcpy(buf.get(), run.expected[i].data(), sizes[i]);
      const char* data = buf.get();
      run.buffers.push_back(std::move(buf));
      kwire::Record r;
      r.topic = topic;
      r.partition = 0;
      std::string key = "k" + std::to_string(i);
      r.key = as_bytes(key);
      r.value = Bytes(reinterpret_cast<const std::uint8_t*>(data), sizes[i]);
      r.ownership = kwire::ValueOwnership::borrow;
      r.user_id = i;
      REQUIRE_FALSE(producer.send(r, [&run, data](std::error_code ec, kwire::RecordMetadata md) {
        std::lock_guard lock(run.mu);
        CHECK_FALSE(ec);
        ++run.fired[md.user_id];
        run.offsets[md.user_id] = md.offset;
        REQUIRE(md.borrowed_value.has_value());
        CHECK(md.borrowed_value->data() == reinterpret_cast<const std::uint8_t*>(data));
        // Released here: any later read of it by the producer is an ASan error.
        run.buffers[md.user_id].reset();
        ++run.released;
      }));
    }
    CHECK_FALSE(producer.flush(30s));
    producer.close(10s);
  }
  CHECK(run.released == static_cast<int>(n));
  for (std::size_t i = 0; i < n; ++i) CHECK(run.fired[i] == 1);
  auto read = kwire::test::read_partition(cluster.bootstrap(), topic, 0);
  REQUIRE(read.error.empty());
  REQUIRE(read.records.size() == n);
  for (std::size_t i = 0; i < n; ++i) {
    INFO("record " << i);
    CHECK(read.records[i].offset == run.offsets[i]);
    CHECK(read.records[i].key == "k" + std::to_string(i));
    REQUIRE(read.records[i].value.has_value());
    CHECK(read.records[i].value->size() == run.expected[i].size());
    CHECK(*read.records[i].value == run.expected[i]);
  }
}

}  // namespace

TEST_CASE("zero copy e2e: borrowed values read back by librdkafka byte for byte, uncompressed", "[zero-copy][e2e]") {
  borrowed_round_trip(kwire::CompressionType::none, "zc-none");
}

TEST_CASE("zero copy e2e: borrowed values read back by librdkafka byte for byte, lz4", "[zero-copy][e2e]") {
  borrowed_round_trip(kwire::CompressionType::lz4, "zc-lz4");
}
