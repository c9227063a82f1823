// Interoperability with librdkafka (a peer we did not write), per codec:
// batches our builder wrote, produced raw to the mock cluster, are consumed by
// librdkafka with CRC checking on and must come back identical (keys, values,
// headers, timestamps, offsets); batches librdkafka produced are fetched raw
// and decoded by our reader, and must match what librdkafka was given.
#include <catch2/catch.hpp>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <memory>
#include <string>

#include "kwire/protocol/records/batch_builder.hpp"
#include "kwire/protocol/records/batch_reader.hpp"
#include "mock_cluster.hpp"
#include "raw_client.hpp"
#include "raw_produce.hpp"

using kwire::protocol::Bytes;
using kwire::protocol::as_bytes;
using kwire::protocol::as_string;
using namespace kwire::protocol::records;

namespace {

struct TestHeader {
  std::string key;
  std::optional<std::string> value;
};
struct TestRecord {
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::int64_t timestamp = 0;
  std::vector<TestHeader> headers;
};

const Codec kCodecs[] = {Codec::none, Codec::gzip, Codec::snappy, Codec::lz4, Codec::zstd};

// Mixed records: null and empty keys and values, headers (null values too),
// tiny and 1 MiB values.
std::vector<TestRecord> mixed_records(bool with_headers, bool big) {
  std::vector<TestRecord> out;
  std::int64_t ts = 1700000000000;
  for (int i = 0; i < 40; ++i) {
    TestRecord r;
    r.timestamp = ts + i * 3 - (i % 5);  // not monotonic, as clients allow
    switch (i % 4) {
      case 0: r.key = std::nullopt; break;
      case 1: r.key = std::string(); break;
      default: r.key = "key-" + std::to_string(i);
    }
    switch (i % 5) {
      case 0: r.value = std::nullopt; break;
      case 1: r.value = std::string(); break;
      default: r.value = std::string(static_cast<std::size_t>(i * 7), static_cast<char>('A' + i % 26));
    }
    if (with_headers && i % 2 == 1) {
      r.headers.push_back({"trace-id", "t" + std::to_string(i)});
      r.headers.push_back({"empty", std::string()});
      r.headers.push_back({"nullv", std::nullopt});
    }
    out.push_back(std::move(r));
  }
  if (big) {
    for (int i = 0; i < 2; ++i) {
      TestRecord r;
      r.key = "big-" + std::to_string(i);
      std::string v(1024 * 1024, 'x');
      for (std::size_t j = 0; j < v.size(); j += 97) v[j] = static_cast<char>('a' + (j / 97 + static_cast<std::size_t>(i)) % 26);
      r.value = std::move(v);
      r.timestamp = ts + 1000 + i;
      out.push_back(std::move(r));
    }
  }
  return out;
}

std::vector<TestRecord> tiny_records(int n) {
  std::vector<TestRecord> out;
  for (int i = 0; i < n; ++i) {
    TestRecord r;
    r.value = std::to_string(i);
    r.timestamp = 1600000000000 + i;
    out.push_back(std::move(r));
  }
  return out;
}

std::optional<Bytes> opt_bytes(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  return as_bytes(*s);
}

// Our batches, each up to batch_limit bytes, concatenated.
std::vector<std::vector<std::uint8_t>> build_batches(const std::vector<TestRecord>& recs, Codec codec,
                                                     std::size_t batch_limit) {
  std::vector<std::vector<std::uint8_t>> out;
  std::size_t i = 0;
  while (i < recs.size()) {
    BatchBuilder b({}, batch_limit, recs[i].timestamp);
    for (; i < recs.size(); ++i) {
      std::vector<Header> hs;
      for (const auto& h : recs[i].headers) hs.push_back({h.key, opt_bytes(h.value)});
      if (!b.append(recs[i].timestamp, opt_bytes(recs[i].key), opt_bytes(recs[i].value), hs)) break;
    }
    REQUIRE_FALSE(b.close(codec, kwire::compression::default_level).empty());
    out.push_back(b.take_buffer());
  }
  return out;
}

struct RdDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using RdHandle = std::unique_ptr<rd_kafka_t, RdDeleter>;

RdHandle make_client(rd_kafka_type_t type, const std::vector<std::pair<std::string, std::string>>& settings) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto& [k, v] : settings) {
    INFO(k << "=" << v);
    bool ok = rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) == RD_KAFKA_CONF_OK;
    if (!ok) rd_kafka_conf_destroy(conf);
    REQUIRE(ok);
  }
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (!rk) rd_kafka_conf_destroy(conf);  // only a successful rd_kafka_new takes it
  INFO(err);
  REQUIRE(rk != nullptr);
  return RdHandle(rk);
}

std::optional<std::string> str_or_null(const void* p, std::size_t n) {
  if (!p) return std::nullopt;
  return std::string(static_cast<const char*>(p), n);
}

// Reads `count` messages from partition 0 with librdkafka, checking CRCs.
void consume_and_compare(const std::string& bootstrap, const std::string& topic,
                         const std::vector<TestRecord>& expect) {
  auto rk = make_client(RD_KAFKA_CONSUMER, {{"bootstrap.servers", bootstrap},
                                            {"group.id", "kwire-records-interop"},
                                            {"enable.auto.commit", "false"},
                                            {"check.crcs", "true"},
                                            {"fetch.message.max.bytes", "4000000"},
                                            {"fetch.max.bytes", "10000000"},
                                            {"receive.message.max.bytes", "20000000"},
                                            {"enable.partition.eof", "false"}});
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, topic.c_str(), 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
  REQUIRE(rd_kafka_assign(rk.get(), parts) == RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(parts);

  std::size_t got = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (got < expect.size() && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk.get(), 200);
    if (!m) continue;
    std::unique_ptr<rd_kafka_message_t, void (*)(rd_kafka_message_t*)> guard(m, rd_kafka_message_destroy);
    INFO("librdkafka error: " << rd_kafka_message_errstr(m));
    REQUIRE(m->err == RD_KAFKA_RESP_ERR_NO_ERROR);
    const TestRecord& want = expect[got];
    INFO("record " << got);
    CHECK(m->offset == static_cast<std::int64_t>(got));
    rd_kafka_timestamp_type_t tstype;
    CHECK(rd_kafka_message_timestamp(m, &tstype) == want.timestamp);
    CHECK(tstype == RD_KAFKA_TIMESTAMP_CREATE_TIME);
    // librdkafka gives a null pointer for a null key/value; empty ones have length 0.
    CHECK(str_or_null(m->key, m->key_len).value_or("<null>") == want.key.value_or("<null>"));
    CHECK(str_or_null(m->payload, m->len).value_or("<null>") == want.value.value_or("<null>"));
    CHECK((m->key == nullptr) == !want.key.has_value());
    CHECK((m->payload == nullptr) == !want.value.has_value());
    rd_kafka_headers_t* hdrs = nullptr;
    if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      REQUIRE(rd_kafka_header_cnt(hdrs) == want.headers.size());
      for (std::size_t h = 0; h < want.headers.size(); ++h) {
        const char* name;
        const void* val;
        std::size_t size;
        REQUIRE(rd_kafka_header_get_all(hdrs, h, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR);
        CHECK(std::string(name) == want.headers[h].key);
        CHECK(str_or_null(val, size).value_or("<null>") == want.headers[h].value.value_or("<null>"));
        CHECK((val == nullptr) == !want.headers[h].value.has_value());
      }
    } else {
      CHECK(want.headers.empty());
    }
    ++got;
  }
  CHECK(got == expect.size());
  rd_kafka_consumer_close(rk.get());
}

void produce_ours_consume_theirs(const std::vector<TestRecord>& recs, Codec codec, std::size_t batch_limit) {
  kwire::test::MockCluster cluster(1);
  const std::string topic = "ours-" + std::string(kwire::compression::codec_name(codec));
  cluster.create_topic(topic, 1);
  kwire::test::RawClient client(cluster.first_host(), cluster.first_port());
  std::int64_t next = 0;
  for (const auto& batch : build_batches(recs, codec, batch_limit)) {
    auto res = kwire::test::raw_produce(client, topic, 0, batch);
    REQUIRE(res.error_code == 0);
    CHECK(res.base_offset == next);
    BatchReader r(batch);
    REQUIRE(r.next_batch());
    next += r.batch().record_count;
  }
  consume_and_compare(cluster.bootstrap(), topic, recs);
}

}  // namespace

TEST_CASE("librdkafka consumes our batches: mixed records with headers", "[records][interop][mock]") {
  auto recs = mixed_records(true, false);
  for (Codec c : kCodecs) {
    INFO(kwire::compression::codec_name(c));
    produce_ours_consume_theirs(recs, c, 1500);  // several batches
  }
}

TEST_CASE("librdkafka consumes our batches: no headers and 1 MiB values", "[records][interop][mock]") {
  auto recs = mixed_records(false, true);
  for (Codec c : kCodecs) {
    INFO(kwire::compression::codec_name(c));
    produce_ours_consume_theirs(recs, c, 1024 * 1024);
  }
}

TEST_CASE("librdkafka consumes our batches: many tiny records", "[records][interop][mock]") {
  auto recs = tiny_records(5000);
  for (Codec c : kCodecs) {
    INFO(kwire::compression::codec_name(c));
    produce_ours_consume_theirs(recs, c, 64 * 1024);
  }
}

namespace {

void produce_theirs_read_ours(const std::vector<TestRecord>& recs, Codec codec) {
  kwire::test::MockCluster cluster(1);
  const std::string topic = "theirs-" + std::string(kwire::compression::codec_name(codec));
  cluster.create_topic(topic, 1);
  {
    auto rk = make_client(RD_KAFKA_PRODUCER, {{"bootstrap.servers", cluster.bootstrap()},
                                              {"compression.codec", std::string(kwire::compression::codec_name(codec))},
                                              {"linger.ms", "50"},
                                              {"batch.size", "200000"},
                                              {"message.max.bytes", "5000000"}});
    for (const auto& r : recs) {
      rd_kafka_headers_t* hdrs = rd_kafka_headers_new(r.headers.size());
      for (const auto& h : r.headers)
        rd_kafka_header_add(hdrs, h.key.c_str(), static_cast<ssize_t>(h.key.size()), h.value ? h.value->data() : nullptr,
                            h.value ? static_cast<ssize_t>(h.value->size()) : 0);
      void* key = r.key ? const_cast<char*>(r.key->data()) : nullptr;
      std::size_t key_len = r.key ? r.key->size() : 0;
      void* value = r.value ? const_cast<char*>(r.value->data()) : nullptr;
      std::size_t value_len = r.value ? r.value->size() : 0;
      auto err = rd_kafka_producev(
          rk.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_VALUE(value, value_len),
          RD_KAFKA_V_TIMESTAMP(r.timestamp), RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
      REQUIRE(err == RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    REQUIRE(rd_kafka_flush(rk.get(), 30000) == RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  kwire::test::RawClient client(cluster.first_host(), cluster.first_port());
  auto blob = kwire::test::raw_fetch_all(client, topic, 0);
  BatchReader reader(blob);
  std::size_t got = 0;
  int batches = 0, with_codec = 0;
  while (reader.next_batch()) {
    ++batches;
    // librdkafka sends a batch uncompressed when compression does not shrink it.
    CHECK((reader.batch().codec == codec || reader.batch().codec == Codec::none));
    if (reader.batch().codec == codec) ++with_codec;
    CHECK(reader.batch().magic == 2);
    RecordView rec;
    while (reader.next_record(rec)) {
      REQUIRE(got < recs.size());
      const TestRecord& want = recs[got];
      INFO("record " << got);
      CHECK(rec.offset == static_cast<std::int64_t>(got));
      CHECK(rec.timestamp == want.timestamp);
      CHECK(rec.key.has_value() == want.key.has_value());
      if (rec.key && want.key) CHECK(as_string(*rec.key) == *want.key);
      CHECK(rec.value.has_value() == want.value.has_value());
      if (rec.value && want.value) CHECK(as_string(*rec.value) == *want.value);
      REQUIRE(rec.headers.size() == want.headers.size());
      std::size_t h = 0;
      for (const Header& hdr : rec.headers) {
        CHECK(hdr.key == want.headers[h].key);
        CHECK(hdr.value.has_value() == want.headers[h].value.has_value());
        if (hdr.value && want.headers[h].value) CHECK(as_string(*hdr.value) == *want.headers[h].value);
        ++h;
      }
      ++got;
    }
  }
  INFO(reader.error().message());
  CHECK_FALSE(reader.error());
  CHECK(got == recs.size());
  CHECK(batches >= 1);
  CHECK(with_codec >= 1);
}

}  // namespace

TEST_CASE("our reader decodes what librdkafka produced, for every codec", "[records][interop][mock]") {
  for (Codec c : kCodecs) {
    INFO(kwire::compression::codec_name(c));
    SECTION(std::string(kwire::compression::codec_name(c)) + " mixed with headers") {
      produce_theirs_read_ours(mixed_records(true, false), c);
    }
    SECTION(std::string(kwire::compression::codec_name(c)) + " 1 MiB values") {
      produce_theirs_read_ours(mixed_records(false, true), c);
    }
    SECTION(std::string(kwire::compression::codec_name(c)) + " many tiny") {
      produce_theirs_read_ours(tiny_records(3000), c);
    }
  }
}
